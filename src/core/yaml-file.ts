import { readFileSync } from 'node:fs';
import { isMap, isSeq, parse as parseYaml, type Document, type LineCounter, type Node as YamlNode } from 'yaml';
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

/**
 * The source line of a field path in a parsed YAML document, for error messages: the
 * deepest node the path reaches gives the line; a path missing at the top has none.
 * `rootLine`: the empty path gives the document's first line (else undefined).
 */
export function yamlLineLocator(doc: Document.Parsed, lines: LineCounter, rootLine = false): (path: Array<string | number>) => number | undefined {
  return (path) => {
    let node: unknown = doc.contents;
    let offset: number | undefined;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
        if (!pair) break;
        offset = (pair.key as YamlNode | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
        node = node.items[part];
        offset = (node as YamlNode).range?.[0] ?? offset;
      } else break;
    }
    if (rootLine && path.length === 0) offset = (doc.contents as YamlNode | null)?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
}

/**
 * A parsed document's value. Resolving aliases can fail on a document that parsed: an
 * alias bomb (aliases of aliases, exponential when expanded) is refused by the YAML
 * library's alias limit, and that is the user's file, not an internal error.
 */
export function yamlToJs(doc: Document.Parsed, what: string, file?: string): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    throw new RotguardError('bad_yaml', `${what} cannot be read: ${(e as Error).message.split('\n')[0]}`, { file });
  }
}
