import { RotguardError } from '../core/errors.js';
import { hashOf } from '../core/hash.js';
import { readYamlFile } from '../core/yaml-file.js';

/**
 * How a source file's columns map onto measurements. Written as YAML, e.g.
 *
 *   team: biogen
 *   protocol: biogen-sol          # name (latest version) or name@2
 *   value_scale: log10           # the file holds log10 of values in the protocol's unit
 *   columns:
 *     structure: SMILES          # for SDF, omit to use the molblock
 *     id: Internal ID
 *     value: LOG SOLUBILITY PH 6.8 (ug/mL)
 *     qualifier: Qualifier       # optional: <, >, = (a "<5" value works too)
 *     measured_at: Assay Date    # optional; dates are then required on every row
 *     reported_at: Report Date   # optional
 *     batch: Batch               # optional
 *     site: Site                 # optional; default the protocol version's site
 */
export interface IngestMapping {
  team: string;
  protocol: string;
  valueScale: 'linear' | 'log10';
  columns: {
    structure?: string;
    id?: string;
    value: string;
    qualifier?: string;
    measuredAt?: string;
    reportedAt?: string;
    batch?: string;
    site?: string;
  };
}

const COLUMN_KEYS: Record<string, keyof IngestMapping['columns']> = {
  structure: 'structure',
  smiles: 'structure',
  id: 'id',
  value: 'value',
  qualifier: 'qualifier',
  measured_at: 'measuredAt',
  reported_at: 'reportedAt',
  batch: 'batch',
  site: 'site',
};

/** The YAML key of each column role, for messages. */
export const ROLE_KEYS: Record<keyof IngestMapping['columns'], string> = {
  structure: 'structure',
  id: 'id',
  value: 'value',
  qualifier: 'qualifier',
  measuredAt: 'measured_at',
  reportedAt: 'reported_at',
  batch: 'batch',
  site: 'site',
};

export function mappingHash(m: IngestMapping): string {
  return hashOf(m);
}

/** Reads and validates a mapping YAML file; errors name the file and the field. */
export function readMappingFile(path: string): IngestMapping {
  return validateMapping(readYamlFile(path, 'mapping'), path);
}

export function validateMapping(doc: unknown, file?: string): IngestMapping {
  const where = (field: string) => ({ file, field });
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new RotguardError('bad_mapping', 'a mapping must be a YAML mapping with team, protocol and columns', { file });
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!['team', 'protocol', 'value_scale', 'columns'].includes(key))
      throw new RotguardError('bad_mapping', `unknown key "${key}" (expected team, protocol, value_scale, columns)`, where(key));
  }
  const str = (v: unknown, field: string, required: boolean): string | undefined => {
    if (v === undefined || v === null || v === '') {
      if (required) throw new RotguardError('bad_mapping', `${field} is required`, where(field));
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw new RotguardError('bad_mapping', `${field} must be a string`, where(field));
    return String(v);
  };
  const team = str(d.team, 'team', true)!;
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(team))
    throw new RotguardError('bad_mapping', `team "${team}" must be lower-case letters, digits, - and _`, where('team'));
  const protocol = str(d.protocol, 'protocol', true)!;
  const scale = str(d.value_scale, 'value_scale', false) ?? 'linear';
  if (scale !== 'linear' && scale !== 'log10')
    throw new RotguardError('bad_mapping', `value_scale must be linear or log10, got "${scale}"`, where('value_scale'));
  const cols = d.columns;
  if (!cols || typeof cols !== 'object' || Array.isArray(cols))
    throw new RotguardError('bad_mapping', 'columns must be a mapping of role → column name', where('columns'));
  const columns: IngestMapping['columns'] = { value: '' };
  for (const [key, v] of Object.entries(cols as Record<string, unknown>)) {
    const role = COLUMN_KEYS[key];
    if (!role)
      throw new RotguardError('bad_mapping', `unknown column role "${key}" (expected ${Object.keys(COLUMN_KEYS).join(', ')})`, where(`columns.${key}`));
    const name = str(v, `columns.${key}`, false);
    if (name !== undefined) columns[role] = name;
  }
  if (!columns.value) throw new RotguardError('bad_mapping', 'columns.value is required', where('columns.value'));
  return { team, protocol, valueScale: scale, columns };
}
