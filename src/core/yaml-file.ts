import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { RotguardError } from './errors.js';

/** Reads a YAML file; a missing file or bad YAML is a user error naming the file (and line). */
export function readYamlFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RotguardError('file_not_found', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: path });
  }
  try {
    return parseYaml(text);
  } catch (e) {
    const line = (e as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new RotguardError('bad_yaml', `${what} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, { file: path, line });
  }
}
