import { existsSync, lstatSync, statSync, type Stats } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { RotguardError } from './errors.js';

/**
 * Checks an output path before anything is written: its folder must exist and be a
 * folder; whatever is already there must be a regular file (never a device, FIFO, socket,
 * folder or symbolic link: replacing `/dev/null` or a named pipe by rename would destroy
 * it), and it must not be one of the command's inputs (same file by device and inode, so
 * another spelling or a hard link is caught too). `extensions` (lower case, with the dot)
 * refuses a name whose extension promises a format the command does not write.
 */
export function checkOutputPath(path: string, o: { field?: string; inputs?: readonly string[]; extensions?: readonly string[] } = {}): void {
  const field = o.field ?? '--out';
  const full = resolve(path);
  if (o.extensions) {
    const ext = extname(full).toLowerCase();
    if (!o.extensions.includes(ext)) {
      throw new RotguardError(
        'output_format_unsupported',
        `${path}: this command writes ${o.extensions.join(' or ')}, not "${ext || '(no extension)'}"; name the file accordingly`,
        { file: path, field },
      );
    }
  }
  const folder = dirname(full);
  if (!existsSync(folder)) throw new RotguardError('output_folder_missing', `the folder ${folder} does not exist; create it first`, { file: path, field });
  if (!statSync(folder).isDirectory()) throw new RotguardError('output_folder_missing', `${folder} is not a folder`, { file: path, field });
  let here: Stats;
  try {
    here = lstatSync(full);
  } catch {
    return; // nothing there yet
  }
  if (!here.isFile()) {
    const what = here.isDirectory()
      ? 'a folder'
      : here.isSymbolicLink()
        ? 'a symbolic link'
        : here.isFIFO()
          ? 'a named pipe (FIFO)'
          : here.isCharacterDevice() || here.isBlockDevice()
            ? 'a device'
            : here.isSocket()
              ? 'a socket'
              : 'not a regular file';
    throw new RotguardError('output_not_regular_file', `${path} is ${what}; rotguard only replaces regular files. Choose another output name`, {
      file: path,
      field,
    });
  }
  for (const input of o.inputs ?? []) {
    let s: Stats;
    try {
      s = statSync(input);
    } catch {
      continue;
    }
    if (s.dev === here.dev && s.ino === here.ino) {
      throw new RotguardError('output_is_input', `${path} is the input file ${input}; writing it would destroy the input. Choose another output name`, {
        file: path,
        field,
      });
    }
  }
}
