/**
 * Whole rows for tests that write the store's tables directly (index plans, request
 * digests, tenancy): every column has a neutral value, and the test gives the ones it is
 * about. One place to add a column when a migration adds one.
 */
import type { NewRow } from '../../src/store/schema.js';

export const FIXTURE_TIME = '2026-03-02T09:00:00.000Z';
export const FIXTURE_INCHIKEY = 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N';
/** A stand-in 64-hex-digit hash: `c` repeated. */
export const repeatedHash = (c: string) => c.repeat(64);

export function endpointRow(o: Partial<NewRow<'endpoints'>> = {}): NewRow<'endpoints'> {
  return {
    name: 'logd',
    unit: 'ratio',
    transform: 'none',
    direction: 'higher_is_better',
    valid_min: null,
    valid_max: null,
    description: '',
    definition_hash: repeatedHash('a'),
    created_at: FIXTURE_TIME,
    created_by: 'ana',
    ...o,
  };
}

/** An imported model version of endpoint logd (no build). */
export function modelVersionRow(
  o: Pick<NewRow<'model_versions'>, 'id' | 'model' | 'version' | 'team'> & Partial<NewRow<'model_versions'>>,
): NewRow<'model_versions'> {
  return {
    endpoint: 'logd',
    origin: 'imported',
    build_hash: null,
    artifact_blob: repeatedHash('b'),
    report_blob: null,
    feature_hash: repeatedHash('c'),
    feature_contract: '{}',
    lineage: '{}',
    created_at: FIXTURE_TIME,
    created_by: 'ana',
    ...o,
  };
}

/** A served prediction without interval, domain or scaffold fields. */
export function predictionRow(
  o: Pick<NewRow<'predictions'>, 'id' | 'request' | 'model_version' | 'input_id' | 'value' | 'team'> & Partial<NewRow<'predictions'>>,
): NewRow<'predictions'> {
  return {
    feature_hash: repeatedHash('c'),
    input_hash: repeatedHash('d'),
    inchikey: FIXTURE_INCHIKEY,
    smiles: 'C',
    uncertainty: null,
    interval_level: null,
    lower: null,
    upper: null,
    max_similarity: null,
    nearest_inchikey: null,
    scaffold: '',
    scaffold_seen: null,
    model_frozen: 0,
    requested_by: 'ana',
    requested_at: FIXTURE_TIME,
    ...o,
  };
}
