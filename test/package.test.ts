/**
 * The package as users get it: `npm pack`, then install the tarball in an empty folder with npm's
 * --offline (dependencies packed from this checkout's node_modules, so no registry is needed), and use
 * it: `npx bpfmap --help`, offline commands, the library from ESM and CommonJS with its types.
 * Also: a LICENSE, no install-time build, no dependency shipped twice (bundled and installed), and the
 * size the README states.
 */
import { suite, skip } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
}

function run(cmd: string, args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Packed { filename: string; size: number; unpackedSize: number; files: { path: string }[] }

const P = suite('npm package');

P('the tarball installs offline in an empty folder and works: CLI, ESM, CommonJS, types', () => {
  const npmMissing = spawnSync('npm', ['--version']).status !== 0;
  if (npmMissing || !existsSync(join(ROOT, 'dist', 'cjs', 'index.cjs'))) {
    const why = npmMissing ? 'npm not installed' : 'dist/ not built (npm run build)';
    skip(why);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-pack-'));
  try {
    const [pack] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT)) as [Packed];
    const files = pack.files.map((f) => f.path);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>; scripts: Record<string, string>;
    };
    // a LICENSE with the Apache-2.0 text; no code cache tied to one Node; no unbundled CLI sources
    assert.ok(files.includes('LICENSE'));
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
    assert.equal(files.filter((f) => f.endsWith('.cache') || f.startsWith('dist/bin/')), []);
    // nothing runs at install
    for (const s of ['preinstall', 'install', 'postinstall']) assert.is(manifest.scripts[s], undefined, s);
    // no dependency twice: a pre-bundled copy (dist/cli/NAME.cjs) is never also a dependency
    const bundled = files.filter((f) => /^dist\/cli\/[^/]+\.cjs$/.test(f) && !/\/(main|offline|elements)\.cjs$/.test(f)).map((f) => f.replace(/^dist\/cli\/|\.cjs$/g, ''));
    assert.ok(bundled.includes('yargs') && bundled.includes('yaml'), bundled.join(' '));
    for (const b of bundled) assert.is(manifest.dependencies[b], undefined, `${b} is bundled and a dependency`);
    for (const b of ['main', 'offline', 'elements']) {
      assert.not.match(readFileSync(join(ROOT, 'dist', 'cli', `${b}.cjs`), 'utf8'), /\bclass Document\b|composeDoc/, `yaml bundled into ${b}.cjs (it is yaml.cjs, once)`);
    }
    // the size the README states (kB, within 20 %)
    const m = /npm pack[^\n]*?about (\d+) kB/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    assert.ok(m, 'README states the tarball size');
    assert.ok(Math.abs(Number(m![1]) - pack.size / 1000) <= pack.size / 1000 * 0.2, `README says ${m![1]} kB, the tarball is ${Math.round(pack.size / 1000)} kB`);

    // dependencies as tarballs of the installed copies, so that --offline needs no registry
    const deps = [...Object.keys(manifest.dependencies), `@koromix/koffi-${process.platform}-${process.arch}`]
      .filter((d) => existsSync(join(ROOT, 'node_modules', d)));
    const tarballs = [join(tmp, pack.filename)];
    for (const d of deps) {
      const [p] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, join(ROOT, 'node_modules', d)], tmp)) as [Packed];
      tarballs.push(join(tmp, p.filename));
    }
    const app = join(tmp, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n');
    npm(['install', '--offline', ...tarballs], app);
    const fw = join(app, 'node_modules', 'bpfmap', 'fixtures', 'firewall.bpfel.o');

    const help = run('npx', ['--no-install', 'bpfmap', '--help'], app);
    assert.is(help.code, 0, help.stderr);
    assert.match(help.stdout, 'bpfmap <command> [options]');
    const maps = run('npx', ['--no-install', 'bpfmap', 'maps', fw, '--json'], app);
    assert.is(maps.code, 0, maps.stderr);
    assert.is((JSON.parse(maps.stdout) as unknown[]).length, 4);
    const enc = run('npx', ['--no-install', 'bpfmap', 'encode', fw, 'ingress_node_firewall_table_map', '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'], app);
    assert.is(enc.stdout, 'key: 38000000060000000a0a0a00000000000000000000000000\n', enc.stderr);
    const tpl = run('npx', ['--no-install', 'bpfmap', 'template', fw, 'ingress_node_firewall_statistics_map'], app); // YAML: the package's one-file yaml
    assert.is(tpl.code, 0, tpl.stderr);
    assert.match(tpl.stdout, 'key: 0');

    // the library reads YAML with the package's own copy: no yaml package is installed
    assert.not.ok(existsSync(join(app, 'node_modules', 'yaml')));
    const esm = run(process.execPath, ['--input-type=module', '-e', `import { loadObjectFile, parseValueText } from 'bpfmap'; console.log(loadObjectFile(${JSON.stringify(fw)}).schema.maps.length, JSON.stringify(parseValueText('{a: [1, x]}', 'key')))`], app);
    assert.is(esm.stdout, '4 {"a":[1,"x"]}\n', esm.stderr);
    const cjs = run(process.execPath, ['-e', `const b = require('bpfmap'); console.log(b.loadObjectFile(${JSON.stringify(fw)}).schema.maps.length, typeof b.openMap, JSON.stringify(b.parseValueText('{a: [1, x]}', 'key')))`], app);
    assert.is(cjs.stdout, '4 function {"a":[1,"x"]}\n', cjs.stderr);

    // types, from ESM and CommonJS: right uses compile, a wrong one is an error (so they are not `any`)
    writeFileSync(join(app, 'esm.mts'), "import { loadObjectFile, type MapSchema } from 'bpfmap';\nconst maps: readonly MapSchema[] = loadObjectFile('x').schema.maps;\nexport const n: number = maps.length;\n");
    writeFileSync(join(app, 'cjs.cts'), "import bpfmap = require('bpfmap');\nconst maps: readonly bpfmap.MapSchema[] = bpfmap.loadObjectFile('x').schema.maps;\nconst n: number = maps.length;\nexport = n;\n");
    writeFileSync(join(app, 'bad.cts'), "import bpfmap = require('bpfmap');\nconst s: string = bpfmap.loadObjectFile('x').schema.maps.length;\nexport = s;\n");
    const tsc = (f: string[]) => run(process.execPath, [TSC, '--pretty', 'false', '--module', 'nodenext', '--noEmit', '--skipLibCheck', '--types', '', '--target', 'es2022', ...f], app);
    const good = tsc(['esm.mts', 'cjs.cts']);
    assert.is(good.code, 0, good.stdout);
    const bad = tsc(['bad.cts']);
    assert.is.not(bad.code, 0, bad.stdout);
    assert.match(bad.stdout, "bad.cts(2,7): error TS2322: Type 'number' is not assignable to type 'string'.");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
P.run();
