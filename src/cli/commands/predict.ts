import { UsageError } from '../../core/errors.js';
import { exportPredictions } from '../../usecases/predict.js';
import { emit, integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { ProgressBar } from '../progress.js';
import { withBackend } from '../backend-choice.js';

export const predictHelp = `Usage: rotguard predict --model NAME@champion IN.csv|.smi --out OUT.csv [--level 0.9] [--json] [--workers N]
                        [--smiles-column NAME] [--id-column NAME]

Standardizes each structure, checks the model's feature contract, and writes for every
compound the prediction, its conformal interval at --level, its applicability domain
(max Tanimoto to the training set, the nearest training compound, whether its scaffold
was seen) and a prediction id. Every prediction is stored as a record with the model
version, feature version, input hash, canonical structure, time and requester.
`;

export async function predictCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    model: { type: 'string' },
    out: { type: 'string' },
    rejects: { type: 'string' },
    level: { type: 'string', default: '0.9' },
    workers: { type: 'string' },
    'smiles-column': { type: 'string' },
    'id-column': { type: 'string' },
  });
  if (values.help) return (io.out(predictHelp), 0);
  if (positionals.length !== 1 || !values.model || !values.out) throw new UsageError(predictHelp);
  const level = Number(values.level);
  if (![0.8, 0.9, 0.95].includes(level)) throw new UsageError('--level must be 0.8, 0.9 or 0.95 (the calibrated levels)');
  const workers = values.workers === undefined ? undefined : integerOption('--workers', str(values.workers), 1, 1, 256);
  return withBackend(io, str(values.workspace), async (b) => {
    const bar = new ProgressBar('predict');
    const s = await b
      .predict({
        modelRef: str(values.model)!,
        input: positionals[0]!,
        out: str(values.out)!,
        rejects: str(values.rejects),
        level,
        workers,
        smilesColumn: str(values['smiles-column']),
        idColumn: str(values['id-column']),
        onProgress: (p) => bar.update(p.fraction, `${p.rows} rows`),
      })
      .finally(() => bar.done());
    emit(
      io,
      Boolean(values.json),
      s,
      (s.modelFrozen ? `WARNING: ${s.model} is frozen by policy; every prediction is flagged model_frozen=1\n` : '') +
        `predicted ${s.predicted} of ${s.rows} rows with ${s.model} in ${s.seconds.toFixed(1)} s (request ${s.request})\n` +
        `  out of domain (nearest training Tanimoto < 0.3): ${s.outOfDomain}; unseen scaffolds: ${s.unseenScaffolds}\n` +
        `  predictions: ${s.output}\n  rejected: ${s.rejected} → ${s.rejects}`,
    );
    return 0;
  });
}

export const predictionsHelp = `Usage:
  rotguard predictions list [--model NAME] [--q ID|INCHIKEY|SMILES] [--limit N] [--json]
  rotguard predictions show PREDICTION_ID [--json]
  rotguard predictions export --out FILE.csv|FILE.jsonl [--model NAME[@V]] [--request ID]

list looks prediction records up, newest first (--q matches the id given at prediction
time, the InChIKey or the canonical SMILES); show prints one. Both work on a workspace
and through a server (ROTGUARD_URL), where they see the records of the teams you may read.
export writes every matching record to a file and runs on a workspace.
`;

export async function predictionsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    out: { type: 'string' },
    model: { type: 'string' },
    request: { type: 'string' },
    q: { type: 'string' },
    limit: { type: 'string' },
  });
  const [sub, id] = positionals;
  if (values.help) return (io.out(predictionsHelp), 0);
  const json = Boolean(values.json);
  if (sub === 'list' || sub === 'show') {
    if (sub === 'show' && !id) throw new UsageError(`predictions show needs a PREDICTION_ID\n\n${predictionsHelp}`);
    const limit = integerOption('--limit', str(values.limit), 50, 1, 1000);
    return withBackend(io, str(values.workspace), async (b) => {
      const records = sub === 'show' ? [await b.prediction(id!)] : await b.findPredictions({ model: str(values.model), q: str(values.q), limit });
      emit(
        io,
        json,
        sub === 'show' ? records[0] : records,
        records.length
          ? records
              .map(
                (r) =>
                  `${r.id}  ${r.modelVersion.padEnd(18)} ${r.inputId.padEnd(14)} ${r.value.toFixed(3).padStart(8)}` +
                  `${r.interval ? ` [${r.interval.lower?.toFixed(3) ?? '-∞'}, ${r.interval.upper?.toFixed(3) ?? '∞'}] @${r.interval.level}` : ''}` +
                  `${r.modelFrozen ? ' model_frozen' : ''}  ${r.requestedAt} by ${r.requestedBy}  ${r.smiles}`,
              )
              .join('\n')
          : 'no prediction records match',
      );
      return 0;
    });
  }
  if (sub !== 'export' || !values.out) throw new UsageError(predictionsHelp);
  return withBackend(io, str(values.workspace), async (b) => {
    const n = await exportPredictions(b.localContext('predictions export'), { out: str(values.out)!, model: str(values.model), request: str(values.request) });
    emit(io, json, { exported: n, out: values.out }, `exported ${n} prediction records to ${values.out}`);
    return 0;
  });
}
