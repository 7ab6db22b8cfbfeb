/**
 * PostgreSQL and Redis for queue mode, from Debian's packages, each started by this run on
 * 127.0.0.1 with its own data folder and a free port, and stopped with it. No system service is used.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { freePort, type ProcessGroup } from './processes';

const MINUTE = 60_000;
const POSTGRES_ROOT = '/usr/lib/postgresql';
const isRoot = process.getuid?.() === 0;

export interface Postgres {
	port: number;
	user: string;
	database: string;
	/** Runs SQL with psql and returns its unaligned, tuples-only output. */
	query(sql: string): Promise<string>;
}

/** Installs what is missing with apt-get (root only; CI and fresh machines of this kind run as root). */
export async function ensureDebianPackages(group: ProcessGroup, log: (line: string) => void): Promise<void> {
	const missing = [
		...(postgresBinDir() ? [] : ['postgresql']),
		...(onPath('redis-server') ? [] : ['redis-server']),
	];
	if (missing.length === 0) return;
	if (!isRoot) throw new Error(`Queue mode needs ${missing.join(' and ')}: install with sudo apt-get install ${missing.join(' ')}`);
	log(`installing ${missing.join(', ')} with apt-get…`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	await group.run('apt-get', ['update', '-qq'], { env, timeoutMs: 5 * MINUTE });
	await group.run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 10 * MINUTE });
}

export async function startPostgres(group: ProcessGroup, dir: string): Promise<Postgres> {
	const bin = postgresBinDir();
	if (!bin) throw new Error(`No PostgreSQL server under ${POSTGRES_ROOT}`);
	const dataDir = join(dir, 'postgres');
	mkdirSync(dataDir, { recursive: true });
	// PostgreSQL refuses to run as root: as root, run it as Debian's postgres user, who owns the data
	// folder (the folders above it must be open to that user: see run.ts).
	if (isRoot) chownSync(dataDir, idOf('-u'), idOf('-g'));
	const asServiceUser = (command: string, args: string[]): [string, string[]] =>
		isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

	const user = 'n8n';
	await group.run(...asServiceUser(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions']), {
		timeoutMs: 2 * MINUTE,
	});
	const port = await freePort();
	// A throwaway database: durability settings off for speed.
	const serverArgs = ['-D', dataDir, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1'];
	const speed = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
	const [command, args] = asServiceUser(join(bin, 'postgres'), [...serverArgs, ...speed]);
	const server = group.start('postgres', command, args, { logFile: join(dir, 'postgres.log'), stopSignal: 'SIGINT' });
	await server.waitForOutput(/database system is ready to accept connections/, MINUTE);

	const psql = async (database: string, sql: string) =>
		(await group.run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
			timeoutMs: MINUTE,
		})).stdout;
	await psql('postgres', 'CREATE DATABASE n8n');
	return { port, user, database: 'n8n', query: (sql) => psql('n8n', sql) };
}

export async function startRedis(group: ProcessGroup, dir: string): Promise<{ port: number }> {
	const dataDir = join(dir, 'redis');
	mkdirSync(dataDir, { recursive: true });
	const port = await freePort();
	const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dataDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
	const redis = group.start('redis', 'redis-server', args, { logFile: join(dir, 'redis.log') });
	await redis.waitForOutput(/Ready to accept connections/, MINUTE);
	return { port };
}

/** The newest installed server version, e.g. /usr/lib/postgresql/15/bin. */
function postgresBinDir(): string | undefined {
	if (!existsSync(POSTGRES_ROOT)) return undefined;
	const versions = readdirSync(POSTGRES_ROOT)
		.filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'postgres')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length ? join(POSTGRES_ROOT, versions[0], 'bin') : undefined;
}

function onPath(command: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

function idOf(flag: '-u' | '-g'): number {
	return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}
