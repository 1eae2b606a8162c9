import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isCleanUserError, rotguard, type CliRun } from './cli-harness.js';
import { tally } from './tally.js';

/**
 * The fuzz/robustness suite: malformed files, adversarial structures, YAML bombs, bad
 * flags and dangerous output paths, each run through the CLI as a user would. Every case
 * must end as what it is: a rejected row (exit 0, the row in the rejects file with a
 * code) or a user error (exit 1 with a message naming the file, line or field), never an
 * internal error, a hang, a lost row or a destroyed file.
 */
const dir = mkdtempSync(join(tmpdir(), 'rotguard-bad-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ws = join(dir, 'project');
const env = { ROTGUARD_USER: 'fuzzer', ROTGUARD_WORKSPACE: undefined, ROTGUARD_DATABASE_URL: undefined };
const rg = (...args: string[]) => rotguard(args, env);
const file = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** Counts the case and asserts it. */
function handled(name: string, ok: boolean, r?: CliRun): void {
  tally('bad inputs', ok);
  assert.ok(ok, `${name}: ${r ? `exit ${r.code}\n${r.stderr}\n${r.stdout}`.slice(0, 2000) : ''}`);
}

async function userError(name: string, args: string[], pattern?: RegExp): Promise<CliRun> {
  const r = await rg(...args);
  handled(name, isCleanUserError(r, pattern), r);
  return r;
}

before(async () => {
  mkdirSync(ws);
  assert.equal((await rg('init', ws)).code, 0);
  assert.equal((await rg('endpoints', 'add', 'sol', '--unit', 'ug/mL', '--transform', 'log10', '--min', '0', '--workspace', ws)).code, 0);
  assert.equal((await rg('protocols', 'add', 'sol-a', '--endpoint', 'sol', '--unit', 'ug/mL', '--workspace', ws)).code, 0);
});

describe('robustness: adversarial structures cost one row each', () => {
  const CRASHING = 'C'.repeat(700);
  const ADVERSARIAL: Array<[string, string, string]> = [
    ['5,000-atom chain', 'C'.repeat(5_000), 'structure_too_large'],
    ['200-phenyl chain', 'C' + 'c1ccc(cc1)'.repeat(200) + 'C', 'structure_too_large'],
    ['5,000 nested branches', 'C('.repeat(5_000) + 'C' + ')'.repeat(5_000), 'structure_too_large'],
    ['100 kB SMILES', 'C'.repeat(100_000), 'structure_too_large'],
    ['700-atom chain that crashes RDKit', CRASHING, 'toolkit_crash'],
    ['unbalanced branches', 'C(C(C', 'unparsable_structure'],
    ['ring bond never closed', 'C1CCC', 'unparsable_structure'],
    ['pentavalent carbon', 'C(C)(C)(C)(C)C', 'unparsable_structure'],
    ['NUL byte', 'CC\u0000O', 'unparsable_structure'],
    ['only dots', '....', 'unparsable_structure'],
  ];

  it('featurize: each adversarial structure is rejected with its code; every valid row around it is featurized', async () => {
    const rows = ['id,smiles', 'ok1,CCO'];
    ADVERSARIAL.forEach(([, s], i) => rows.push(`bad${i},"${s}"`, `ok${i + 2},c1ccccc1${'C'.repeat(i)}`));
    const input = file('adversarial.csv', rows.join('\n') + '\n');
    const r = await rg('featurize', input, '--out', join(dir, 'adversarial.features.csv'), '--workers', '2', '--json');
    assert.equal(r.code, 0, r.stderr);
    const rejects = readFileSync(join(dir, 'adversarial.features.rejects.csv'), 'utf8').trim().split('\n').slice(1);
    for (const [i, [name, , code]] of ADVERSARIAL.entries()) {
      const line = rejects.find((l) => l.split(',')[1] === `bad${i}`);
      handled(name, line?.includes(`,${code},`) === true, r);
    }
    const accepted = readFileSync(join(dir, 'adversarial.features.csv'), 'utf8').trim().split('\n').length - 1;
    assert.equal(accepted, ADVERSARIAL.length + 1, 'every valid row is featurized');
  });

  it('a 50 MB field is refused as one row, in bounded memory', async () => {
    const input = file('huge-field.csv', `id,smiles\nok,CCO\nhuge,${'C'.repeat(50 * 1024 * 1024)}\nok2,CCN\n`);
    const before = process.memoryUsage().rss;
    const r = await rg('featurize', input, '--out', join(dir, 'huge-field.features.csv'), '--workers', '1');
    const grew = process.memoryUsage().rss - before;
    const rejects = readFileSync(join(dir, 'huge-field.features.rejects.csv'), 'utf8');
    handled('50 MB field', r.code === 0 && /huge,.*longer than 1,000,000 characters/.test(rejects) && grew < 1024 ** 3, {
      ...r,
      stderr: `${r.stderr}\nRSS grew ${(grew / 1024 ** 2).toFixed(0)} MB`,
    });
  });

  it('ingest: a structure that crashes RDKit is quarantined; the valid rows are stored, and the file is ingested once', async () => {
    const input = file('crash-ingest.csv', ['id,smiles,sol', 'a,CCO,10', `b,${CRASHING},10`, 'c,c1ccccc1O,20', 'd,CCN,30'].join('\n') + '\n');
    const args = ['ingest', input, '--team', 't', '--protocol', 'sol-a', '--structure-column', 'smiles', '--value-column', 'sol', '--workspace', ws, '--json'];
    const r = await rg(...args);
    const j = r.code === 0 ? (JSON.parse(r.stdout) as { status: string; accepted: number; rejected: number; rejectReasons: Record<string, number> }) : null;
    handled('ingest with a crashing structure', j !== null && j.accepted === 3 && j.rejected === 1 && j.rejectReasons.toolkit_crash === 1, r);
    const again = await rg(...args);
    assert.equal(JSON.parse(again.stdout).status, 'already_ingested');
  });
});

describe('robustness: malformed files', () => {
  it('are refused with the file (and line) or rejected row by row', async () => {
    await userError('empty file', ['featurize', file('empty.csv', ''), '--out', join(dir, 'o1.csv')], /empty/);
    await userError('missing file', ['featurize', join(dir, 'nope.csv'), '--out', join(dir, 'o2.csv')], /nope\.csv/);
    await userError('unknown extension', ['featurize', file('x.xlsx', 'PK\u0003\u0004'), '--out', join(dir, 'o3.csv')], /unknown file type/);
    await userError('header only, no SMILES column', ['featurize', file('noheader.csv', 'a,b\n1,2\n'), '--out', join(dir, 'o4.csv')], /SMILES/);
    const latin1 = Buffer.concat([Buffer.from('id,smiles,sol\n'), Buffer.from('caf', 'latin1'), Buffer.from([0xe9]), Buffer.from(',CCO,10\n')]);
    await userError('Latin-1 ids (featurize)', ['featurize', file('latin1.csv', latin1), '--out', join(dir, 'o5.csv')], /latin1\.csv:2: .*not UTF-8/);
    await userError(
      'Latin-1 ids (ingest)',
      [
        'ingest',
        file('latin1-ingest.csv', latin1),
        '--team',
        't',
        '--protocol',
        'sol-a',
        '--structure-column',
        'smiles',
        '--value-column',
        'sol',
        '--workspace',
        ws,
      ],
      /not UTF-8/,
    );
    await userError('binary garbage', [
      'featurize',
      file('garbage.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))),
      '--out',
      join(dir, 'o6.csv'),
    ]);
    const r = await rg('featurize', file('quotes.csv', 'id,smiles\na,"CCO\nb,CCN\n'), '--out', join(dir, 'o7.csv'));
    handled('unclosed quote', r.code === 0 || isCleanUserError(r), r);
    const impossible = file('dates.csv', 'id,smiles,sol,measured\nx,CCO,1,2025-02-30\ny,CCN,2,2024-02-29\n');
    const ing = await rg(
      'ingest',
      impossible,
      '--team',
      't',
      '--protocol',
      'sol-a',
      '--structure-column',
      'smiles',
      '--value-column',
      'sol',
      '--measured-at-column',
      'measured',
      '--workspace',
      ws,
      '--json',
    );
    handled('impossible date in a file', ing.code === 0 && JSON.parse(ing.stdout).rejectReasons.impossible_date === 1, ing);
  });
});

describe('robustness: recipes, policies and mappings', () => {
  const recipe = (extra: string) =>
    file(
      `recipe-${Math.random().toString(36).slice(2)}.yaml`.replace(/0\./, ''),
      `model: m\nteam: t\nendpoint: sol\ndataset: { aggregate: mean }\nalgorithm: ridge\n${extra}`,
    );
  it('name the field at fault', async () => {
    await userError(
      'algorithm: constructor',
      ['build', file('r1.yaml', 'model: m\nteam: t\nendpoint: sol\ndataset: { aggregate: mean }\nalgorithm: constructor\n'), '--workspace', ws],
      /algorithm: unknown algorithm "constructor"/,
    );
    await userError(
      'algorithm: __proto__',
      ['build', file('r2.yaml', 'model: m\nteam: t\nendpoint: sol\ndataset: { aggregate: mean }\nalgorithm: __proto__\n'), '--workspace', ws],
      /algorithm/,
    );
    await userError(
      'descriptors: rdkit-desc@999',
      [
        'build',
        file('r3.yaml', 'model: m\nteam: t\nendpoint: sol\ndataset: { aggregate: mean }\nalgorithm: ridge\nfeatures: { descriptors: rdkit-desc@999 }\n'),
        '--workspace',
        ws,
      ],
      /features\.descriptors: unknown descriptor dictionary/,
    );
    await userError(
      'bits: 2^31',
      [
        'build',
        file('r4.yaml', 'model: m\nteam: t\nendpoint: sol\ndataset: { aggregate: mean }\nalgorithm: ridge\nfeatures: { bits: 2147483648 }\n'),
        '--workspace',
        ws,
      ],
      /features\.bits/,
    );
    await userError(
      'measured_to: 2025-02-30',
      [
        'build',
        file('r5.yaml', 'model: m\nteam: t\nendpoint: sol\ndataset: { aggregate: mean, measured_to: "2025-02-30" }\nalgorithm: ridge\n'),
        '--workspace',
        ws,
      ],
      /dataset\.measured_to/,
    );
    const bomb =
      'a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
      Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ).join('\n') +
      '\n';
    await userError('YAML alias bomb (recipe)', ['build', file('bomb-recipe.yaml', bomb), '--workspace', ws], /alias|YAML/i);
    await userError('YAML alias bomb (policy)', ['policy', 'check', file('bomb-policy.yaml', bomb)], /alias|YAML/i);
    await userError(
      'YAML alias bomb (mapping)',
      ['ingest', join(dir, 'dates.csv'), '--mapping', file('bomb-mapping.yaml', bomb), '--workspace', ws],
      /alias|YAML/i,
    );
    const deep = `policy: p\nmodel: m\nrules:\n  - name: r\n    when: "${'('.repeat(20_000)}performance.maeRatio > 1${')'.repeat(20_000)}"\n    action: watch\n`;
    await userError('20,000 nested parentheses in when:', ['policy', 'check', file('deep.yaml', deep)], /rules\[0\]\.when: .*parentheses/);
    await userError('not YAML at all', ['policy', 'check', file('binary.yaml', Buffer.from([0xff, 0xfe, 0x00, 0x3a, 0x7b]))]);
    void recipe;
  });
});

describe('robustness: flags, folders and output paths', () => {
  it('refuse dangerous or impossible outputs and leave what is there untouched', async () => {
    const input = file('two.csv', 'id,smiles\na,CCO\nb,CCN\n');
    await userError('--out into a missing folder', ['featurize', input, '--out', join(dir, 'no/such/dir/o.csv')], /does not exist/);
    const devBefore = statSync('/dev/null');
    await userError('--out /dev/null', ['featurize', input, '--out', '/dev/null'], /output_format_unsupported|not "|device/);
    await userError('--out a device with a .csv name', ['featurize', input, '--out', join(dir, 'dev.csv'), '--rejects', '/dev/null'], /device|rejects/);
    assert.ok(statSync('/dev/null').isCharacterDevice() && statSync('/dev/null').rdev === devBefore.rdev, '/dev/null is still the device');
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    await userError('--out a FIFO', ['featurize', input, '--out', fifo], /named pipe/);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
    await userError('--out the input itself', ['featurize', input, '--out', input], /is the input file/);
    assert.equal(readFileSync(input, 'utf8'), 'id,smiles\na,CCO\nb,CCN\n');
    await userError('--out a folder', ['featurize', input, '--out', dir], /folder|not "/);
    await userError('--out NAME.parquet', ['featurize', input, '--out', join(dir, 'o.parquet')], /writes \.csv, not "\.parquet"/);
    await userError('export to .parquet', ['predictions', 'export', '--out', join(dir, 'p.parquet'), '--workspace', ws], /\.parquet/);
    await userError('--bits 2^31', ['featurize', input, '--out', join(dir, 'o9.csv'), '--bits', '2147483648'], /--bits/);
    await userError('--workspace /etc/passwd', ['models', 'list', '--workspace', '/etc/passwd'], /not a folder/);
    const empty = join(dir, 'empty-folder');
    mkdirSync(empty);
    await userError('models list in an empty folder', ['models', 'list', '--workspace', empty], /rotguard init/);
    assert.deepEqual(readFileSyncSafe(empty), [], 'no store was created by looking');
    await userError('--as-of 2025-02-30', ['monitor', 'run', '--model', 'm', '--as-of', '2025-02-30', '--workspace', ws], /--as-of/);
    await userError('datasets create --to 2025-02-30', ['datasets', 'create', '--endpoint', 'sol', '--to', '2025-02-30', '--workspace', ws], /date/);
  });

  it('--workspace means the same folder everywhere: init DIR, init --workspace DIR, featurize --workspace', async () => {
    const a = join(dir, 'ws-a');
    const b = join(dir, 'ws-b');
    mkdirSync(a);
    const init = await rg('init', a);
    const list = await rg('models', 'list', '--workspace', a);
    const inner = await rg('models', 'list', '--workspace', join(a, '.rotguard'));
    const flag = await rg('init', '--workspace', b);
    const feat = await rg('featurize', file('f.csv', 'id,smiles\na,CCO\n'), '--out', join(dir, 'f.out.csv'), '--workspace', a);
    handled('init DIR then --workspace DIR', init.code === 0 && list.code === 0 && inner.code === 0, list);
    handled('init --workspace DIR', flag.code === 0 && existsSync(join(b, '.rotguard')), flag);
    handled('featurize --workspace', feat.code === 0, feat);
    // Store files are the owner's only, whatever the umask.
    assert.equal(statSync(join(a, '.rotguard')).mode & 0o777, 0o700);
    assert.equal(statSync(join(a, '.rotguard', 'store.sqlite')).mode & 0o777, 0o600);
    assert.equal(statSync(join(a, '.rotguard', 'event-key.json')).mode & 0o777, 0o600);
  });

  it('terminal escape codes and database passwords never reach the terminal', async () => {
    const esc = await rg('featurize', join(dir, '\u001b]0;pwned\u0007\u001b[2J.csv'), '--out', join(dir, 'o10.csv'));
    handled('escape codes in a printed name', isCleanUserError(esc) && !/\u001b/.test(esc.stderr), esc);
    // A stored free text (an endpoint's description, like a promotion's reason) carrying escape codes.
    const added = await rg('endpoints', 'add', 'logs', '--unit', 'ratio', '--description', 'ok\u001b[2J\u001b]0;pwned\u0007\r', '--workspace', ws);
    const listed = await rg('endpoints', 'list', '--workspace', ws);
    handled(
      'escape codes in a stored text',
      added.code === 0 && listed.code === 0 && !/[\u001b\u0007\r]/.test(listed.stdout) && /ok\\u\{1b\}\[2J/.test(listed.stdout),
      listed,
    );
    const url = 'postgres://alice:s3cret@127.0.0.1:1/db?password=s3cret2&sslmode=disable';
    const pg = await rotguard(['init', join(dir, 'pg-ws')], { ...env, ROTGUARD_DATABASE_URL: url });
    handled('password in the database URL', isCleanUserError(pg, /store_unreachable|cannot connect/) && !/s3cret/.test(pg.stderr + pg.stdout), pg);
  });
});

function readFileSyncSafe(folder: string): string[] {
  return execFileSync('ls', ['-A', folder], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
