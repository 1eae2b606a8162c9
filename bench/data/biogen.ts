/**
 * The Biogen ADME public set (../shared/data/biogen-adme) as rotguard endpoints, protocols
 * and ingest mappings: one protocol per assay column, values stored as log10 in the file.
 * Shared by the ingest benchmark and the integration test.
 */
import type { EndpointDefinition } from '../../src/data/endpoints.js';
import type { IngestMapping } from '../../src/data/mapping.js';
import type { ProtocolDefinition } from '../../src/data/protocols.js';

export const BIOGEN_FILE = 'biogen-adme/ADME_public_set_3521.csv';

interface Assay {
  endpoint: EndpointDefinition;
  protocol: ProtocolDefinition;
  column: string;
}

const assay = (
  name: string,
  unit: string,
  direction: EndpointDefinition['direction'],
  column: string,
  description: string,
  validMax: number | null = null,
): Assay => ({
  endpoint: { name, unit, transform: 'log10', direction, validMin: 0, validMax, description },
  protocol: { protocol: `biogen-${name.replace(/_/g, '-')}`, endpoint: name, unit, site: 'biogen', vendor: 'in-house', parameters: {} },
  column,
});

export const BIOGEN_ASSAYS: Assay[] = [
  assay('hlm_clint', 'mL/min/kg', 'lower_is_better', 'LOG HLM_CLint (mL/min/kg)', 'human liver microsome intrinsic clearance'),
  assay('rlm_clint', 'mL/min/kg', 'lower_is_better', 'LOG RLM_CLint (mL/min/kg)', 'rat liver microsome intrinsic clearance'),
  assay('mdr1_er', 'ratio', 'lower_is_better', 'LOG MDR1-MDCK ER (B-A/A-B)', 'MDR1-MDCK efflux ratio'),
  assay('solubility_ph68', 'ug/mL', 'higher_is_better', 'LOG SOLUBILITY PH 6.8 (ug/mL)', 'kinetic solubility at pH 6.8'),
  assay('ppb_human_fu', '%', 'higher_is_better', 'LOG PLASMA PROTEIN BINDING (HUMAN) (% unbound)', 'human plasma protein binding, % unbound', 100),
  assay('ppb_rat_fu', '%', 'higher_is_better', 'LOG PLASMA PROTEIN BINDING (RAT) (% unbound)', 'rat plasma protein binding, % unbound', 100),
];

export function biogenMapping(a: Assay): IngestMapping {
  return { team: 'biogen', protocol: a.protocol.protocol, valueScale: 'log10', columns: { structure: 'SMILES', id: 'Internal ID', value: a.column } };
}
