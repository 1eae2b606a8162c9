import { parseArgs } from 'node:util';
import { DEFAULT_DESCRIPTOR_DICTIONARY, descriptorDictionaryIds } from '../../chem/descriptors.js';
import { DEFAULT_MORGAN } from '../../chem/fingerprint.js';
import { UsageError } from '../../core/errors.js';
import { featurize } from '../../usecases/featurize.js';
import { ProgressBar } from '../progress.js';
import { integerOption, type CommandIO } from '../options.js';

export const featurizeHelp = `Usage: rotguard featurize IN.csv|IN.tsv|IN.smi --out OUT.csv [options]

Standardizes every structure (largest fragment, neutralised, canonical SMILES,
InChIKey), computes the descriptor dictionary, the Morgan fingerprint and the
Bemis–Murcko scaffold and framework, on a worker thread per core.

Options:
  --out FILE             features, one row per accepted structure, in input order (required)
  --rejects FILE         rejected rows with line, code and reason (default OUT.rejects.csv)
  --smiles-column NAME   column with the structures (default: detected, e.g. "SMILES")
  --id-column NAME       column with compound ids (default: detected, else the line number)
  --descriptors ID       descriptor dictionary (default ${DEFAULT_DESCRIPTOR_DICTIONARY}; known: ${descriptorDictionaryIds().join(', ')})
  --radius N             Morgan radius (default ${DEFAULT_MORGAN.radius})
  --bits N               Morgan fingerprint length, a multiple of 32 (default ${DEFAULT_MORGAN.nBits})
  --workers N            worker threads (default: all cores)
  --json                 print the run summary as JSON on stdout
`;

export async function featurizeCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      rejects: { type: 'string' },
      'smiles-column': { type: 'string' },
      'id-column': { type: 'string' },
      descriptors: { type: 'string', default: DEFAULT_DESCRIPTOR_DICTIONARY },
      radius: { type: 'string' },
      bits: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      // Accepted like on every command; featurize needs no store, so it is not opened.
      workspace: { type: 'string' },
    },
  });
  if (values.help) {
    io.out(featurizeHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`featurize takes one input file, got ${positionals.length}\n\n${featurizeHelp}`);
  if (!values.out) throw new UsageError(`featurize needs --out FILE\n\n${featurizeHelp}`);
  if (!descriptorDictionaryIds().includes(values.descriptors)) {
    throw new UsageError(`unknown descriptor dictionary "${values.descriptors}"; known: ${descriptorDictionaryIds().join(', ')}`);
  }
  const radius = integerOption('--radius', values.radius, DEFAULT_MORGAN.radius, 0, 6);
  const nBits = integerOption('--bits', values.bits, DEFAULT_MORGAN.nBits, 32, 65536);
  if (nBits % 32 !== 0) throw new UsageError(`--bits must be a multiple of 32, got ${nBits}`);
  const workers = values.workers === undefined ? undefined : integerOption('--workers', values.workers, 1, 1, 256);

  const bar = new ProgressBar('featurize');
  const summary = await featurize({
    input: positionals[0]!,
    out: values.out,
    rejects: values.rejects,
    smilesColumn: values['smiles-column'],
    idColumn: values['id-column'],
    recipe: { descriptors: values.descriptors, morgan: { radius, nBits } },
    workers,
    onProgress: (p) => bar.update(p.fraction, `${p.rows} rows, ${p.rejected} rejected`),
  }).finally(() => bar.done());

  if (values.json) {
    io.out(JSON.stringify(summary, null, 2) + '\n');
  } else {
    const reasons = Object.entries(summary.rejectReasons)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    io.err(
      `featurized ${summary.accepted} of ${summary.rows} rows from ${summary.input} in ${summary.seconds.toFixed(1)} s ` +
        `(${summary.moleculesPerSecond.toFixed(0)} molecules/s on ${summary.workers} worker${summary.workers > 1 ? 's' : ''})\n` +
        `  features: ${summary.output}\n` +
        `  feature version: ${summary.featureVersion.descriptors} + morgan r${radius}/${nBits} bits, RDKit ${summary.featureVersion.rdkit}, ${summary.featureVersion.hash.slice(0, 12)}\n` +
        `  standardization changed ${summary.standardized} structure${summary.standardized === 1 ? '' : 's'} (salts, charges)\n` +
        `  rejected: ${summary.rejected}${reasons ? ` (${reasons})` : ''} → ${summary.rejects}\n`,
    );
  }
  return 0;
}
