import { UsageError } from '../../core/errors.js';
import { readYamlFile } from '../../core/yaml-file.js';
import { validateRecipe } from '../../training/recipe.js';
import type { Alias } from '../../registry/registry.js';
import type { ValidationReport } from '../../validate/report.js';
import { importModel } from '../../usecases/models.js';
import { emit, emitList, parseCommand as parse, str, type CommandIO } from '../options.js';
import { ProgressBar } from '../progress.js';
import { withBackend } from '../backend-choice.js';
import { governedBuild } from './build-compute.js';
import { COMPUTE_HELP, COMPUTE_OPTIONS } from './compute-flags.js';

const f3 = (x: unknown) =>
  typeof x === 'number' && Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : x.toFixed(3)) : x === null ? 'unbounded' : String(x);

function describeReport(r: ValidationReport): string {
  const m = r.test as unknown as Record<string, number>;
  const lines = [
    `  split ${r.split.method} (seed ${r.split.seed}): train ${r.split.sizes.train}, calibration ${r.split.sizes.calibration}, test ${r.split.sizes.test}`,
    r.task === 'regression'
      ? `  test: MAE ${f3(m.mae)}  RMSE ${f3(m.rmse)}  R² ${f3(m.r2)}  Spearman ${f3(m.spearman)}`
      : `  test: AUROC ${f3(m.auroc)}  AUPRC ${f3(m.averagePrecision)}  balanced accuracy ${f3(m.balancedAccuracy)}`,
  ];
  if (r.conformal)
    lines.push(
      `  conformal intervals${r.conformalNormalized ? ' (normalized by σ)' : ''}: ` +
        r.conformal.map((c) => `${Math.round(c.level * 100)}% → coverage ${f3(c.coverage)}, width ${f3(c.meanWidth)}`).join('; '),
    );
  if (r.calibration) lines.push(`  miscalibration area of σ: ${f3(r.calibration.miscalibrationArea)}`);
  lines.push(
    `  applicability domain: nearest-neighbour Tanimoto to train p10 ${f3(r.applicabilityDomain.nearestSimilarity.p10)}, median ${f3(r.applicabilityDomain.nearestSimilarity.median)}`,
  );
  for (const b of r.applicabilityDomain.bins)
    if (b.n)
      lines.push(`    similarity ${b.from.toFixed(1)}–${b.to.toFixed(1)}: n=${b.n}${b.metrics && 'rmse' in b.metrics ? ` RMSE ${f3(b.metrics.rmse)}` : ''}`);
  for (const s of r.bySeries.slice(0, 5))
    lines.push(`    series ${s.group.slice(0, 40)}: n=${s.n}${s.metrics && 'rmse' in s.metrics ? ` RMSE ${f3(s.metrics.rmse)}` : ''}`);
  return lines.join('\n');
}

export const buildHelp = `Usage: rotguard build RECIPE.yaml [--override-reason TEXT] [--executor local|slurm …] [--json] [--workspace DIR]

Builds a model version from a recipe (endpoint, dataset snapshot or window, features,
split rule, algorithm, parameters, seed). The build hash covers the resolved recipe, the
snapshot, the feature version, the code (package version + lockfile) and the runtime
(RDKit, Node, platform): an identical build is never trained twice. A new version of a
model that already has a champion is a retrain: it needs the latest policy decision to
be a retrain, or --override-reason (logged).

With --executor the build is a governed compute job: an identical build is answered from
the registry before anything is queued; otherwise it is admitted against the team's
budget and runs locally or on Slurm.

${COMPUTE_HELP}`;

export async function buildCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, { 'override-reason': { type: 'string' }, ...COMPUTE_OPTIONS });
  if (values.help) return (io.out(buildHelp), 0);
  if (positionals.length !== 1) throw new UsageError(`build takes one recipe file\n\n${buildHelp}`);
  const file = positionals[0]!;
  const document = readYamlFile(file, 'recipe');
  const recipe = validateRecipe(document, file);
  return withBackend(io, str(values.workspace), async (b) => {
    if (values.executor !== undefined) return governedBuild(b.localContext('build --executor'), recipe, values, io, str(values['override-reason']));
    const bar = new ProgressBar('build');
    const r = await b
      .buildModel(
        { value: recipe, document, file },
        {
          overrideReason: str(values['override-reason']),
          onProgress: (p) => bar.update(p.total ? p.done / p.total : 0, `${p.stage} ${p.done}/${p.total}`),
        },
      )
      .finally(() => bar.done());
    const summary = {
      buildHash: r.buildHash,
      cacheHit: r.cacheHit,
      savedSeconds: r.savedSeconds,
      trainSeconds: r.trainSeconds,
      version: r.version.id,
      snapshot: r.snapshot,
      featureHash: r.featureHash,
      artifact: r.artifactBlob,
      report: r.report,
    };
    emit(
      io,
      Boolean(values.json),
      summary,
      (r.cacheHit
        ? `cache hit: ${r.version.id} was already built from this exact recipe, data, features, code and runtime; ${r.savedSeconds.toFixed(1)} s of compute saved\n`
        : `built ${r.version.id} in ${r.trainSeconds.toFixed(1)} s of training\n`) +
        `  build ${r.buildHash.slice(0, 16)}  snapshot ${r.snapshot.slice(0, 12)}  features ${r.featureHash.slice(0, 12)}\n` +
        describeReport(r.report),
    );
    return 0;
  });
}

export const modelsHelp = `Usage:
  rotguard models list
  rotguard models show NAME[@VERSION|@champion|@challenger]
  rotguard models import NAME --onnx FILE --endpoint E --team T --features FEATURE_SET --input descriptors|fingerprints
                         [--input-name N] [--value-output N] [--uncertainty-output N]
                         [--image-digest sha256:…] [--lockfile FILE] [--dataset HASH] [--split TEXT] [--seed N] [--reason TEXT]

import registers a model trained elsewhere (ONNX, served with onnxruntime). Lineage you
declare is recorded; what you do not declare is recorded as missing (the audit flags it).
`;

export async function modelsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    onnx: { type: 'string' },
    endpoint: { type: 'string' },
    team: { type: 'string' },
    features: { type: 'string' },
    input: { type: 'string' },
    'input-name': { type: 'string' },
    'value-output': { type: 'string' },
    'uncertainty-output': { type: 'string' },
    'image-digest': { type: 'string' },
    lockfile: { type: 'string' },
    dataset: { type: 'string' },
    split: { type: 'string' },
    seed: { type: 'string' },
    reason: { type: 'string' },
  });
  const [sub, ref] = positionals;
  if (values.help || !sub) return (io.out(modelsHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'list') {
      const list = await b.listModels();
      emitList(
        io,
        json,
        list,
        (v) =>
          `${v.id.padEnd(24)} ${v.endpoint.padEnd(20)} ${v.team.padEnd(10)} ${v.origin.padEnd(8)} ${(v.buildHash ?? '-').slice(0, 12)}  ${v.createdBy}  ${v.aliases.join(',')}`,
        'no models yet; build one with "rotguard build RECIPE.yaml"',
      );
      return 0;
    }
    if (sub === 'import') {
      if (!ref || !values.onnx || !values.endpoint || !values.team || !values.features || !values.input) {
        throw new UsageError(`models import needs NAME, --onnx, --endpoint, --team, --features and --input\n\n${modelsHelp}`);
      }
      if (values.input !== 'descriptors' && values.input !== 'fingerprints') throw new UsageError('--input must be descriptors or fingerprints');
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
      const v = await importModel(b.localContext('models import'), {
        model: ref,
        endpoint: str(values.endpoint)!,
        team: str(values.team)!,
        onnxPath: str(values.onnx)!,
        features: str(values.features)!,
        block: values.input,
        inputName: str(values['input-name']),
        valueOutput: str(values['value-output']),
        uncertaintyOutput: str(values['uncertainty-output']),
        imageDigest: str(values['image-digest']),
        lockfilePath: str(values.lockfile),
        snapshot: str(values.dataset),
        split: str(values.split),
        seed,
        reason: str(values.reason),
      });
      const missing = (v.lineage.missing as string[]) ?? [];
      emit(io, json, v, `imported ${v.id} from ${values.onnx}${missing.length ? `\n  lineage missing (recorded as missing): ${missing.join(', ')}` : ''}`);
      return 0;
    }
    if (sub !== 'show' || !ref) throw new UsageError(modelsHelp);
    const { version: v, report, gate, events } = await b.showModel(ref);
    const gateResult = report && gate ? gate : null;
    emit(
      io,
      json,
      { version: v, report, gate: gate ? { hash: gate.hash, ...(report ? { passed: gate.passed, checks: gate.checks } : {}) } : null, events },
      `${v.id} (${v.endpoint}, team ${v.team}, ${v.origin}, built by ${v.createdBy} at ${v.createdAt})\n  build ${v.buildHash ?? '-'}\n  artifact ${v.artifactBlob}\n` +
        (report ? describeReport(report) + '\n' : '  no validation report\n') +
        (gateResult
          ? `  gate ${gate!.hash.slice(0, 12)}: ${gateResult.passed ? 'PASSED' : 'FAILED'} — ` +
            gateResult.checks.map((c) => `${c.passed ? '✓' : '✗'} ${c.check} ${f3(c.value)} (${c.threshold})`).join(', ') +
            '\n'
          : '  no release gate for this endpoint\n') +
        events.map((e) => `  ${e.at}  ${e.kind.padEnd(18)} ${e.version_id ?? ''}  by ${e.actor}: ${e.reason}`).join('\n'),
    );
    return 0;
  });
}

export const validateHelp = `Usage: rotguard validate NAME[@VERSION|@champion|@challenger] [--json]

Prints the version's validation report (scaffold/time/random split, test metrics,
conformal coverage, calibration, series/protocol/applicability breakdowns) and checks it
against the endpoint's current release gate. Exit code 0 when the gate passes, 3 when it
fails or no gate is set (so scripts can act on it).
`;

export async function validateCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) return (io.out(validateHelp), 0);
  if (positionals.length !== 1) throw new UsageError(validateHelp);
  return withBackend(io, str(values.workspace), async (b) => {
    const { version: v, report, gate } = await b.validateModel(positionals[0]!);
    const result = gate;
    emit(
      io,
      Boolean(values.json),
      { version: v.id, report, gate },
      `${v.id} validation\n${describeReport(report)}\n` +
        (result
          ? `gate ${gate!.hash.slice(0, 12)}: ${result.passed ? 'PASSED' : 'FAILED'}\n` +
            result.checks.map((c) => `  ${c.passed ? '✓' : '✗'} ${c.check}: ${f3(c.value)} (needs ${c.threshold})`).join('\n')
          : `no release gate for ${v.endpoint}`),
    );
    return result?.passed ? 0 : 3;
  });
}

export const gateHelp = `Usage:
  rotguard gate set ENDPOINT --file GATE.yaml   (or inline: --min-test-size 50 --max-rmse 0.8 --coverage 0.9:0.85 …)
  rotguard gate show ENDPOINT

An endpoint's release gate is shared by all teams. Thresholds: minTestSize, requireSplit
(scaffold|time|any; default scaffold), maxRmse, maxMae, minR2, minSpearman, minAuroc,
minAuprc, coverage {level, min} (conformal interval coverage on the test set).
`;

export async function gateCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    file: { type: 'string' },
    'min-test-size': { type: 'string' },
    'max-rmse': { type: 'string' },
    'max-mae': { type: 'string' },
    'min-r2': { type: 'string' },
    'min-spearman': { type: 'string' },
    'min-auroc': { type: 'string' },
    coverage: { type: 'string' },
    'require-split': { type: 'string' },
  });
  const [sub, endpoint] = positionals;
  if (values.help || !sub || !endpoint) return (io.out(gateHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'show') {
      const g = await b.showGate(endpoint);
      emit(
        io,
        json,
        g,
        g ? `gate for ${endpoint} (${g.hash.slice(0, 12)}, set by ${g.createdBy} at ${g.createdAt}): ${JSON.stringify(g.gate)}` : `no gate for ${endpoint}`,
      );
      return 0;
    }
    if (sub !== 'set') throw new UsageError(gateHelp);
    let doc: Record<string, unknown>;
    if (values.file) {
      doc = readYamlFile(str(values.file)!, 'gate') as Record<string, unknown>;
    } else {
      const num = (k: string) => (values[k] === undefined ? undefined : Number(values[k]));
      doc = {
        minTestSize: num('min-test-size'),
        maxRmse: num('max-rmse'),
        maxMae: num('max-mae'),
        minR2: num('min-r2'),
        minSpearman: num('min-spearman'),
        minAuroc: num('min-auroc'),
        requireSplit: str(values['require-split']),
      };
      if (values.coverage) {
        const [level, min] = str(values.coverage)!.split(':').map(Number);
        doc.coverage = { level, min };
      }
      for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
    }
    const r = await b.setGate(endpoint, doc);
    emit(io, json, r, `${r.status === 'created' ? 'set' : 'unchanged:'} gate for ${endpoint} (${r.hash.slice(0, 12)}): ${JSON.stringify(r.gate)}`);
    return 0;
  });
}

export const promoteHelp = `Usage: rotguard promote NAME@VERSION --to champion|challenger --reason "…" [--json]

Champion needs the endpoint's release gate passed and an approver other than the
builder (the acting user is ROTGUARD_USER, else the OS user; through a server, with
ROTGUARD_URL set, the identity of ROTGUARD_TOKEN). Every promotion and every refusal is
recorded with who, when and why.
`;

export async function promoteCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, { to: { type: 'string', default: 'champion' }, reason: { type: 'string', default: '' } });
  if (values.help) return (io.out(promoteHelp), 0);
  if (positionals.length !== 1) throw new UsageError(promoteHelp);
  return withBackend(io, str(values.workspace), async (b) => {
    const r = await b.promote({ ref: positionals[0]!, alias: str(values.to) as Alias, reason: str(values.reason) ?? '' });
    emit(io, Boolean(values.json), r, `${r.version.id} is now ${r.alias}${r.gate ? ` (gate ${r.gateHash!.slice(0, 12)} passed)` : ''}`);
    return 0;
  });
}
