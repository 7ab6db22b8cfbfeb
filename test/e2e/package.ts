/** This package as users get it: built, packed into a tarball, installed into n8n's nodes folder. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_NAME, REPO_ROOT } from './config';
import type { ProcessGroup } from './processes';
import type { Toolchain } from './toolchain';

const MINUTE = 60_000;

export async function buildAndPack(group: ProcessGroup, destination: string): Promise<string> {
	await group.run('npm', ['run', 'build'], { cwd: REPO_ROOT, timeoutMs: 5 * MINUTE });
	const packed = await group.run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: REPO_ROOT, timeoutMs: 2 * MINUTE });
	const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
	return join(destination, filename);
}

/**
 * Lands where n8n's own community-package install puts it: `<user folder>/.n8n/nodes/node_modules`.
 * Peer dependencies stay out, as in n8n's install: a second copy of n8n-workflow next to n8n's own
 * would break `instanceof` checks on errors.
 */
export async function installIntoUserFolder(group: ProcessGroup, toolchain: Toolchain, tarball: string, userFolder: string): Promise<void> {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	const install = ['install', tarball, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--package-lock=false'];
	await group.run('npm', install, { cwd: nodesDir, env: toolchain.env, timeoutMs: 3 * MINUTE });
	const installed = join(nodesDir, 'node_modules', PACKAGE_NAME, 'dist', 'nodes', 'StableAvatar', 'StableAvatar.node.js');
	if (!existsSync(installed)) throw new Error(`The packed package lacks its node: ${installed} is missing`);
}
