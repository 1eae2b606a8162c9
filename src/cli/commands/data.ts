import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { DEFAULT_DESCRIPTOR_DICTIONARY } from '../../chem/descriptors.js';
import { DEFAULT_MORGAN } from '../../chem/fingerprint.js';
import type { EndpointDefinition } from '../../data/endpoints.js';
import { validateMapping } from '../../data/mapping.js';
import { readYamlFile } from '../../core/yaml-file.js';
import type { SnapshotDefinition } from '../../data/snapshots.js';
import { initWorkspace } from '../../usecases/workspace.js';
import { diffDatasets } from '../../usecases/data.js';
import { emit, emitList, integerOption, parseCommand as parse, str, type CommandIO } from '../options.js';
import { ProgressBar } from '../progress.js';
import { withBackend } from '../backend-choice.js';
import { blobDir, databaseUrl, WORKSPACE_DIR, workspaceToCreate } from '../workspace.js';

function numberOption(flag: string, raw: unknown): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${raw}"`);
  return n;
}

const strs = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : undefined);

// ---------------------------------------------------------------- init
export const initHelp = `Usage: rotguard init [DIR | --workspace DIR] [--json]

Creates the workspace DIR/${WORKSPACE_DIR} (default: the current folder; every other
command then takes the same DIR as --workspace) with the embedded
SQLite store and the blob store, and applies the store's migrations. With
ROTGUARD_DATABASE_URL=postgres://… set, metadata and blobs go to that PostgreSQL
database, which init never migrates: it creates the folder and its event key, and
fails (exit 1) naming "rotguard admin migrate" while the database is behind. Running it
again is safe.
`;

export async function initCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return (io.out(initHelp), 0);
  if (positionals.length && values.workspace && resolve(positionals[0]!) !== resolve(String(values.workspace))) {
    throw new UsageError(`init got two folders: ${positionals[0]} and --workspace ${String(values.workspace)}; give one`);
  }
  const workspace = workspaceToCreate(positionals[0] ?? (values.workspace as string | undefined) ?? '.');
  const result = await initWorkspace({ workspace, databaseUrl: databaseUrl(), blobDir: blobDir() });
  emit(io, Boolean(values.json), result, `initialised ${workspace} (${result.backend} store at ${result.store})`);
  return 0;
}

// ---------------------------------------------------------------- endpoints
export const endpointsHelp = `Usage:
  rotguard endpoints add NAME --unit UNIT [--transform none|log10] [--direction higher_is_better|lower_is_better]
                              [--min X] [--max X] [--description TEXT]
  rotguard endpoints list

An endpoint is the shared label standard teams map their assays to, e.g.
  rotguard endpoints add solubility_ugml --unit ug/mL --transform log10 --direction higher_is_better --min 0
Stored values are in UNIT on a linear scale; the transform makes the model label.
Standards are immutable: the same definition again is a no-op, a different one under
the same name is refused.
`;

export async function endpointsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    unit: { type: 'string' },
    transform: { type: 'string', default: 'none' },
    direction: { type: 'string', default: 'higher_is_better' },
    min: { type: 'string' },
    max: { type: 'string' },
    description: { type: 'string', default: '' },
  });
  const [sub, name] = positionals;
  if (values.help || !sub) return (io.out(endpointsHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'list') {
      const list = await b.listEndpoints();
      emitList(
        io,
        json,
        list,
        (e) =>
          `${e.name.padEnd(24)} ${e.unit.padEnd(12)} ${e.transform.padEnd(6)} ${e.direction.padEnd(17)} [${e.validMin ?? '-∞'}, ${e.validMax ?? '∞'}]  ${e.description}`,
        'no endpoints yet; add one with "rotguard endpoints add"',
      );
      return 0;
    }
    if (sub !== 'add') throw new UsageError(`unknown endpoints subcommand "${sub}"\n\n${endpointsHelp}`);
    if (!name) throw new UsageError(`endpoints add needs a NAME\n\n${endpointsHelp}`);
    if (!values.unit) throw new UsageError('endpoints add needs --unit');
    const def: EndpointDefinition = {
      name,
      unit: str(values.unit)!,
      transform: str(values.transform) as EndpointDefinition['transform'],
      direction: str(values.direction) as EndpointDefinition['direction'],
      validMin: numberOption('--min', values.min),
      validMax: numberOption('--max', values.max),
      description: str(values.description) ?? '',
    };
    const r = await b.addEndpoint(def);
    emit(
      io,
      json,
      r,
      r.status === 'created' ? `added endpoint ${name} (${r.endpoint.hash.slice(0, 12)})` : `endpoint ${name} already exists with this definition: unchanged`,
    );
    return 0;
  });
}

// ---------------------------------------------------------------- protocols
export const protocolsHelp = `Usage:
  rotguard protocols add NAME --endpoint E --unit UNIT [--site S] [--vendor V] [--param KEY=VALUE]...
                        [--floor X] [--ceiling X]
  rotguard protocols list [--endpoint E]

A protocol is one way of measuring an endpoint. Adding a changed definition (site,
vendor, unit, parameters) records version N+1; the same definition again is a no-op.
UNIT must convert to the endpoint's unit (mass and molar concentrations convert
through each compound's molecular weight). --floor / --ceiling declare the assay's limits
in the endpoint's unit (linear scale): exact values at or beyond them are censored in
snapshots ("< floor", "> ceiling").
`;

export async function protocolsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    endpoint: { type: 'string' },
    unit: { type: 'string' },
    site: { type: 'string', default: 'default' },
    vendor: { type: 'string', default: 'in-house' },
    param: { type: 'string', multiple: true },
    floor: { type: 'string' },
    ceiling: { type: 'string' },
  });
  const [sub, name] = positionals;
  if (values.help || !sub) return (io.out(protocolsHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'list') {
      const list = await b.listProtocols(str(values.endpoint));
      emitList(
        io,
        json,
        list,
        (p) => `${p.id.padEnd(28)} ${p.endpoint.padEnd(22)} ${p.unit.padEnd(12)} site=${p.site} vendor=${p.vendor} ${JSON.stringify(p.parameters)}`,
        'no protocols yet; add one with "rotguard protocols add"',
      );
      return 0;
    }
    if (sub !== 'add') throw new UsageError(`unknown protocols subcommand "${sub}"\n\n${protocolsHelp}`);
    if (!name || !values.endpoint || !values.unit) throw new UsageError(`protocols add needs NAME, --endpoint and --unit\n\n${protocolsHelp}`);
    const parameters: Record<string, string | number> = {};
    for (const p of strs(values.param) ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param must be KEY=VALUE, got "${p}"`);
      const v = p.slice(eq + 1);
      parameters[p.slice(0, eq)] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    const limit = (flag: 'floor' | 'ceiling') => {
      const v = str(values[flag]);
      if (v === undefined) return undefined;
      if (v.trim() === '' || !Number.isFinite(Number(v))) throw new UsageError(`--${flag} must be a number in the endpoint's unit, got "${v}"`);
      return Number(v);
    };
    const floor = limit('floor');
    const ceiling = limit('ceiling');
    const censoring =
      floor === undefined && ceiling === undefined
        ? {}
        : { censoring: { ...(floor !== undefined ? { floor } : {}), ...(ceiling !== undefined ? { ceiling } : {}) } };
    const r = await b.addProtocol({
      protocol: name,
      endpoint: str(values.endpoint)!,
      unit: str(values.unit)!,
      site: str(values.site)!,
      vendor: str(values.vendor)!,
      parameters,
      ...censoring,
    });
    emit(io, json, r, r.status === 'created' ? `recorded protocol version ${r.version.id}` : `protocol ${name} unchanged (latest is ${r.version.id})`);
    return 0;
  });
}

// ---------------------------------------------------------------- ingest
export const ingestHelp = `Usage: rotguard ingest FILE.csv|.tsv|.sdf --mapping MAPPING.yaml [--json] [--workers N]
       rotguard ingest FILE --team T --protocol P[@V] --value-column COL [--structure-column COL] [--id-column COL]
                       [--qualifier-column COL] [--measured-at-column COL] [--reported-at-column COL]
                       [--batch-column COL] [--site-column COL] [--value-scale linear|log10]

Validates every row (structure, unit conversion to the endpoint's unit, valid range,
dates, duplicates, team id conflicts), commits the accepted rows in one transaction
and writes rejected rows to a quarantine report with line and reason. Re-ingesting the
same file under the same mapping is a no-op reported as such.
`;

export async function ingestCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    mapping: { type: 'string' },
    team: { type: 'string' },
    protocol: { type: 'string' },
    'value-column': { type: 'string' },
    'structure-column': { type: 'string' },
    'id-column': { type: 'string' },
    'qualifier-column': { type: 'string' },
    'measured-at-column': { type: 'string' },
    'reported-at-column': { type: 'string' },
    'batch-column': { type: 'string' },
    'site-column': { type: 'string' },
    'value-scale': { type: 'string' },
    workers: { type: 'string' },
  });
  if (values.help) return (io.out(ingestHelp), 0);
  if (positionals.length !== 1) throw new UsageError(`ingest takes one file\n\n${ingestHelp}`);
  const mappingFile = str(values.mapping);
  const document = mappingFile
    ? readYamlFile(mappingFile, 'mapping')
    : {
        team: values.team,
        protocol: values.protocol,
        value_scale: values['value-scale'],
        columns: {
          structure: values['structure-column'],
          id: values['id-column'],
          value: values['value-column'],
          qualifier: values['qualifier-column'],
          measured_at: values['measured-at-column'],
          reported_at: values['reported-at-column'],
          batch: values['batch-column'],
          site: values['site-column'],
        },
      };
  const mapping = { value: validateMapping(document, mappingFile), document, file: mappingFile };
  const workers = values.workers === undefined ? undefined : integerOption('--workers', str(values.workers), 1, 1, 256);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    const bar = new ProgressBar('ingest');
    const s = await b
      .ingest({
        path: positionals[0]!,
        mapping,
        workers,
        onProgress: (p) => bar.update(p.bytesRead / Math.max(1, p.bytesTotal), `${p.rows} rows`),
      })
      .finally(() => bar.done());
    if (s.status === 'already_ingested') {
      emit(io, json, s, `already ingested: ${s.file} under this mapping is source ${s.source.slice(0, 12)} (${s.accepted} measurements); nothing to do`);
      return 0;
    }
    const reasons = Object.entries(s.rejectReasons)
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    emit(
      io,
      json,
      s,
      `ingested ${s.accepted} of ${s.rows} rows from ${s.file} as ${s.endpoint} via ${s.protocolVersion} (team ${s.team}) in ${s.seconds.toFixed(1)} s\n` +
        `  source ${s.source.slice(0, 12)}, file sha256 ${s.fileSha256.slice(0, 12)}; ${s.newCompounds} new compounds; standardization changed ${s.standardized} structures\n` +
        (s.rejected ? `  quarantined ${s.rejected}: ${reasons}\n  report: ${s.quarantine}` : '  nothing quarantined'),
    );
    return 0;
  });
}

// ---------------------------------------------------------------- datasets
export const datasetsHelp = `Usage:
  rotguard datasets create --endpoint E [--protocol P@V]... [--site S]... [--team T]...
                           [--from DATE] [--to DATE] [--reported-by DATE]
                           [--aggregate mean|median] [--censored prefer_exact|drop|as_bound]
  rotguard datasets show HASH [--rows N]
  rotguard datasets diff HASH_A HASH_B
  rotguard datasets list [--endpoint E]

A dataset snapshot is an immutable, content-addressed selection of measurements and
the rule that aggregates replicates. The same selection always gets the same hash.
`;

export async function datasetsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    endpoint: { type: 'string' },
    protocol: { type: 'string', multiple: true },
    site: { type: 'string', multiple: true },
    team: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    'reported-by': { type: 'string' },
    aggregate: { type: 'string', default: 'mean' },
    censored: { type: 'string', default: 'prefer_exact' },
    rows: { type: 'string' },
  });
  const [sub, a, bHash] = positionals;
  if (values.help || !sub) return (io.out(datasetsHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    switch (sub) {
      case 'create': {
        if (!values.endpoint) throw new UsageError('datasets create needs --endpoint');
        const def: SnapshotDefinition = {
          endpoint: str(values.endpoint)!,
          protocolVersions: strs(values.protocol),
          sites: strs(values.site),
          teams: strs(values.team),
          measuredFrom: str(values.from),
          measuredTo: str(values.to),
          reportedBy: str(values['reported-by']),
          aggregation: { method: str(values.aggregate) as 'mean' | 'median', censored: str(values.censored) as SnapshotDefinition['aggregation']['censored'] },
        };
        const r = await b.createDataset(def);
        emit(
          io,
          json,
          r,
          `${r.status === 'created' ? 'created' : 'already exists:'} snapshot ${r.info.hash} — ${r.info.compounds} compounds from ${r.info.measurements} measurements of ${r.info.endpoint}`,
        );
        return 0;
      }
      case 'show': {
        if (!a) throw new UsageError('datasets show needs a HASH');
        const s = await b.showDataset(a);
        const n = values.rows === undefined ? 10 : integerOption('--rows', str(values.rows), 10, 0, 1e9);
        const labels = s.rows.map((r) => r.label);
        const censored = s.rows.filter((r) => r.qualifier !== '=').length;
        emit(
          io,
          json,
          { info: s.info, endpoint: s.endpoint, rows: s.rows.slice(0, n) },
          `snapshot ${s.info.hash}\n  endpoint ${s.endpoint.name} (${s.endpoint.transform === 'log10' ? `log10 ${s.endpoint.unit}` : s.endpoint.unit})\n` +
            `  definition ${JSON.stringify(s.info.definition)}\n  ${s.info.compounds} compounds, ${s.info.measurements} measurements, ${censored} censored labels\n` +
            `  created ${s.info.createdAt} by ${s.info.createdBy}\n` +
            (labels.length ? `  labels: min ${Math.min(...labels).toFixed(3)}, max ${Math.max(...labels).toFixed(3)}\n` : '') +
            s.rows
              .slice(0, n)
              .map((r) => `  ${r.inchikey}  ${r.qualifier === '=' ? ' ' : r.qualifier}${r.label.toFixed(3).padStart(8)}  n=${r.n}  ${r.smiles}`)
              .join('\n'),
        );
        return 0;
      }
      case 'diff': {
        if (!a || !bHash) throw new UsageError('datasets diff needs two hashes');
        const d = await diffDatasets(b.localContext('datasets diff'), a, bHash);
        const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
        emit(
          io,
          json,
          d,
          `diff ${d.a.slice(0, 12)} → ${d.b.slice(0, 12)}\n  added ${d.added.length}, removed ${d.removed.length}, relabelled ${d.relabelled.length}, unchanged ${d.unchanged}\n` +
            `  labels A: n=${d.labels.a.n} mean ${f(d.labels.a.mean)} sd ${f(d.labels.a.sd)} median ${f(d.labels.a.median)}\n` +
            `  labels B: n=${d.labels.b.n} mean ${f(d.labels.b.mean)} sd ${f(d.labels.b.sd)} median ${f(d.labels.b.median)}\n` +
            `  mean shift ${f(d.labels.meanShift)}, KS D ${f(d.labels.ks)}` +
            d.relabelled
              .slice(0, 10)
              .map(
                (r) =>
                  `\n  relabelled ${r.inchikey}: ${r.fromQualifier === '=' ? '' : r.fromQualifier}${f(r.from)} → ${r.toQualifier === '=' ? '' : r.toQualifier}${f(r.to)}`,
              )
              .join(''),
        );
        return 0;
      }
      case 'list': {
        const list = await b.listDatasets(str(values.endpoint));
        emitList(
          io,
          json,
          list,
          (s) => `${s.hash.slice(0, 16)}  ${s.endpoint.padEnd(22)} ${String(s.compounds).padStart(6)} compounds  ${s.createdAt}  ${s.createdBy}`,
          'no snapshots yet',
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown datasets subcommand "${sub}"\n\n${datasetsHelp}`);
    }
  });
}

// ---------------------------------------------------------------- features
export const featuresHelp = `Usage: rotguard features compute --dataset HASH [--name NAME] [--descriptors ${DEFAULT_DESCRIPTOR_DICTIONARY}]
                               [--radius ${DEFAULT_MORGAN.radius}] [--bits ${DEFAULT_MORGAN.nBits}] [--workers N]

Defines the feature set (descriptor dictionary + Morgan parameters, hashed with the RDKit
version) and computes features for the snapshot's compounds that are not already in
the shared cache, keyed by (InChIKey, feature version).
`;

export async function featuresCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    dataset: { type: 'string' },
    name: { type: 'string', default: 'default' },
    descriptors: { type: 'string', default: DEFAULT_DESCRIPTOR_DICTIONARY },
    radius: { type: 'string' },
    bits: { type: 'string' },
    workers: { type: 'string' },
  });
  const [sub] = positionals;
  if (values.help || !sub) return (io.out(featuresHelp), values.help ? 0 : 1);
  if (sub !== 'compute') throw new UsageError(`unknown features subcommand "${sub}"\n\n${featuresHelp}`);
  if (!values.dataset) throw new UsageError('features compute needs --dataset HASH');
  const radius = integerOption('--radius', str(values.radius), DEFAULT_MORGAN.radius, 0, 6);
  const nBits = integerOption('--bits', str(values.bits), DEFAULT_MORGAN.nBits, 32, 65536);
  if (nBits % 32) throw new UsageError('--bits must be a multiple of 32');
  const workers = values.workers === undefined ? undefined : integerOption('--workers', str(values.workers), 1, 1, 256);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    const bar = new ProgressBar('features');
    const s = await b
      .computeFeatures({
        snapshot: str(values.dataset)!,
        name: str(values.name)!,
        recipe: { descriptors: str(values.descriptors)!, morgan: { radius, nBits } },
        workers,
        onProgress: (d, t) => bar.update(d / t, `${d}/${t}`),
      })
      .finally(() => bar.done());
    emit(
      io,
      json,
      s,
      `features ${s.featureSet} (${s.featureHash.slice(0, 12)}) for snapshot ${s.snapshot.slice(0, 12)}: ${s.compounds} compounds, ${s.cached} already cached, ${s.computed} computed, ${s.failed} failed, ${s.seconds.toFixed(1)} s`,
    );
    return 0;
  });
}
