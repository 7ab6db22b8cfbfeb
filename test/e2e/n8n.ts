/** Running the real n8n: its environment, its CLI (import, execute, publish), its servers and their REST API. */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { IWorkflowBase } from 'n8n-workflow';

import { ENCRYPTION_KEY } from './config';
import { waitFor, type ManagedProcess, type ProcessGroup } from './processes';
import type { RunRecord } from './run-record';
import type { Toolchain } from './toolchain';

const MINUTE = 60_000;

/**
 * Keeps n8n on this machine: no telemetry, no version or template lookups, no list of verified
 * community nodes or MCP servers fetched from n8n's servers, no license renewal.
 */
export const OFFLINE_ENV = {
	N8N_DISABLED_MODULES: 'mcp-registry',
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_DYNAMIC_BANNERS_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_VERIFIED_PACKAGES_ENABLED: 'false',
	N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
	N8N_AI_ENABLED: 'false',
	EXTERNAL_FRONTEND_HOOKS_URLS: '',
} as const;

export interface N8nSettings {
	/** Holds `.n8n/` (config, SQLite database, installed packages). */
	userFolder: string;
	/** The only folders n8n's file nodes may read and write (n8n 2.x restricts file access). */
	fileAccessDirs: string[];
	/** Port of the task broker that n8n's internal JavaScript task runner connects to; one per process. */
	brokerPort: number;
	/** Editor / webhook port, for `n8n start`. */
	port?: number;
	/** Queue mode, database, … */
	extra?: Record<string, string>;
}

/** Only these pass from the caller's environment: stray N8N_*, DB_* or QUEUE_* settings must not leak in. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TERM'];

export function n8nEnv(toolchain: Toolchain, settings: N8nSettings): NodeJS.ProcessEnv {
	const inherited = Object.fromEntries(INHERITED.filter((name) => toolchain.env[name] !== undefined).map((name) => [name, toolchain.env[name]]));
	// n8n 1.x has no `mcp-registry` module (nor the lookup it stops) and refuses to start when told to disable it.
	const { N8N_DISABLED_MODULES, ...offline1x } = OFFLINE_ENV;
	return {
		...inherited,
		...(toolchain.n8nMajor === 1 ? offline1x : { ...offline1x, N8N_DISABLED_MODULES }),
		N8N_USER_FOLDER: settings.userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		// This package is not verified by n8n; say so explicitly, as n8n asks (the default flips in n8n 3).
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_RESTRICT_FILE_ACCESS_TO: settings.fileAccessDirs.join(';'),
		N8N_RUNNERS_MODE: 'internal',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(settings.brokerPort),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(settings.port ?? 5678),
		GENERIC_TIMEZONE: 'UTC',
		N8N_LOG_LEVEL: 'info',
		// Binary data on disk in regular mode, as 2.x does by default (1.x keeps it in memory unless told):
		// the mode whose behaviour differs by version (README, Requirements). Queue mode keeps n8n's own
		// default: a file on the main process's disk is out of a worker's reach.
		...(settings.extra?.EXECUTIONS_MODE === 'queue' ? {} : { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' }),
		...settings.extra,
	};
}

export interface CredentialRecord {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

/** A finished `n8n execute`: its exit code and, when n8n printed one, the run. */
export interface Execution {
	exitCode: number;
	run?: RunRecord;
	output: string;
}

/** n8n's one-shot CLI commands against one user folder / database. */
export class N8nCli {
	constructor(
		private readonly group: ProcessGroup,
		private readonly toolchain: Toolchain,
		private readonly env: NodeJS.ProcessEnv,
		/** Where the JSON files handed to the import commands are written. */
		private readonly workDir: string,
	) {}

	/** Each n8n command boots n8n (seconds): import everything of a kind in one go. */
	async importCredentials(credentials: CredentialRecord[]): Promise<void> {
		const file = join(this.workDir, 'credentials.json');
		writeFileSync(file, JSON.stringify(credentials, null, 2));
		await this.cli(['import:credentials', `--input=${file}`]);
	}

	async importWorkflows(workflows: IWorkflowBase[]): Promise<void> {
		const file = join(this.workDir, 'workflows.json');
		writeFileSync(file, JSON.stringify(workflows, null, 2));
		await this.cli(['import:workflow', `--input=${file}`]);
	}

	/** Makes the workflow's production webhooks and triggers live: n8n 2.x publishes it, 1.x activates it. */
	async publishWorkflow(workflowId: string): Promise<void> {
		if (this.toolchain.n8nMajor === 1) await this.cli(['update:workflow', `--id=${workflowId}`, '--active=true']);
		else await this.cli(['publish:workflow', `--id=${workflowId}`]);
	}

	/** `n8n execute` runs the workflow in this process and prints the run as JSON. */
	async execute(workflowId: string, timeoutMs = 5 * MINUTE): Promise<Execution> {
		const result = await this.group.run(this.toolchain.nodeBin, [this.toolchain.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'], {
			env: this.env,
			timeoutMs,
			allowFailure: true,
		});
		return { exitCode: result.code, run: parseRun(result.stdout), output: `${result.stdout}\n${result.stderr}` };
	}

	private async cli(args: string[]): Promise<void> {
		await this.group.run(this.toolchain.nodeBin, [this.toolchain.n8nBin, ...args], { env: this.env, timeoutMs: 3 * MINUTE });
	}
}

/**
 * `--rawOutput` still prints status lines around the run (task broker, license, error summary). The run
 * is pretty-printed JSON: it starts with a line `{` and ends with the next line `}` (deeper braces are indented).
 */
function parseRun(stdout: string): RunRecord | undefined {
	const start = stdout.search(/^\{$/m);
	if (start < 0) return undefined;
	const end = stdout.slice(start).search(/^\}$/m);
	if (end < 0) return undefined;
	try {
		return JSON.parse(stdout.slice(start, start + end + 1)) as RunRecord;
	} catch {
		return undefined;
	}
}

/** `n8n start`: editor, REST API and webhooks; ready once /healthz/readiness answers 200. */
export async function startMain(group: ProcessGroup, toolchain: Toolchain, env: NodeJS.ProcessEnv, logFile: string): Promise<ManagedProcess> {
	const main = group.start('n8n main', toolchain.nodeBin, [toolchain.n8nBin, 'start'], { env, logFile });
	const url = `http://127.0.0.1:${env.N8N_PORT}/healthz/readiness`;
	await waitFor(`n8n to answer on ${url}`, 3 * MINUTE, async () => {
		if (!main.running) throw new Error(`n8n exited while starting:\n${main.tail()}`);
		const response = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
		return response?.status === 200;
	}, 500);
	return main;
}

/** `n8n worker`: takes executions from the Redis queue. */
export async function startWorker(
	group: ProcessGroup,
	toolchain: Toolchain,
	env: NodeJS.ProcessEnv,
	logFile: string,
	concurrency: number,
): Promise<ManagedProcess> {
	const worker = group.start('n8n worker', toolchain.nodeBin, [toolchain.n8nBin, 'worker', `--concurrency=${concurrency}`], { env, logFile });
	await worker.waitForOutput(/n8n worker is now ready/, 3 * MINUTE);
	return worker;
}

/** The owner account that `n8n start` sets up from the environment, so the REST API and the editor can log in. */
export interface Owner {
	email: string;
	password: string;
}

/** n8n 2.x takes its owner from the environment; 1.x does not (see ownerReady). */
export function ownerEnv(toolchain: Toolchain, owner: Owner): Record<string, string> {
	if (toolchain.n8nMajor === 1) return {};
	const bcrypt = createRequire(join(toolchain.n8nPackageDir, 'package.json'))('bcryptjs') as {
		hashSync(text: string, rounds: number): string;
	};
	return {
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(owner.password, 10),
	};
}

/**
 * After `n8n start`: n8n 1.x sets its owner up once, as the editor's first screen does (2.x did it from
 * the environment). 1.x answers /healthz before its REST routes exist (404 until then), and a second
 * setup after a restart is refused: the owner is there.
 */
export async function ownerReady(toolchain: Toolchain, baseUrl: string, owner: Owner): Promise<void> {
	if (toolchain.n8nMajor !== 1) return;
	let answer = '';
	await waitFor(`n8n's owner setup at ${baseUrl}`, MINUTE, async () => {
		const response = await fetch(`${baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: owner.email, firstName: 'Owner', lastName: 'E2E', password: owner.password }),
			signal: AbortSignal.timeout(30_000),
		});
		answer = `${response.status}: ${(await response.text()).slice(0, 300)}`;
		if (response.status === 400 && /already/i.test(answer)) return true;
		if (response.status !== 404 && !response.ok) throw new Error(`n8n's owner setup answered ${answer}`);
		return response.ok;
	}, 1_000).catch((error: Error) => {
		throw new Error(`${error.message} (last answer ${answer})`);
	});
}

/** The editor's REST API (`/rest`), logged in as the owner with the session cookie the editor uses. */
export class N8nRest {
	private constructor(
		readonly baseUrl: string,
		private readonly cookie: string,
		private readonly n8nMajor: number,
	) {}

	static async login(baseUrl: string, owner: Owner, n8nMajor = 2): Promise<N8nRest> {
		const response = await fetch(`${baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
			signal: AbortSignal.timeout(30_000),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`n8n login answered ${response.status}: ${text}`);
		const cookie = response.headers.getSetCookie().find((entry) => entry.startsWith('n8n-auth='));
		if (!cookie) throw new Error('n8n login set no n8n-auth cookie');
		return new N8nRest(baseUrl, cookie.split(';')[0], n8nMajor);
	}

	/**
	 * What the editor's "Execute workflow" button sends: a manual execution from the given trigger.
	 * Answers as soon as the execution has started; returns its id.
	 */
	async runManually(workflowId: string, triggerName: string): Promise<number> {
		const path = `/rest/workflows/${encodeURIComponent(workflowId)}`;
		// n8n 1.x runs the workflow the editor sends along; 2.x loads it itself.
		const workflowData = this.n8nMajor === 1 ? ((await this.get(path)) as { data: unknown }).data : undefined;
		const response = await fetch(`${this.baseUrl}${path}/run`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: this.cookie },
			body: JSON.stringify({ ...(workflowData ? { workflowData } : {}), triggerToStartFrom: { name: triggerName } }),
			signal: AbortSignal.timeout(60_000),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`Running workflow ${workflowId} answered ${response.status}: ${text}`);
		const { data } = JSON.parse(text) as { data?: { executionId?: string; waitingForWebhook?: boolean } };
		if (!data?.executionId) throw new Error(`Running workflow ${workflowId} started no execution: ${text}`);
		return Number(data.executionId);
	}

	/** What the editor's stop button sends; n8n cancels the execution (its nodes get the abort signal). */
	async stopExecution(executionId: string): Promise<void> {
		const response = await fetch(`${this.baseUrl}/rest/executions/${encodeURIComponent(executionId)}/stop`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: this.cookie },
			body: '{}',
			signal: AbortSignal.timeout(60_000),
		});
		if (!response.ok) throw new Error(`Stopping execution ${executionId} answered ${response.status}: ${await response.text()}`);
	}

	/** The workflow's saved executions, newest first, as the editor's execution list shows them. */
	async executions(workflowId: string): Promise<ExecutionSummary[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const body = (await this.get(`/rest/executions?filter=${filter}&limit=100`)) as { data?: { results?: ExecutionSummary[] } };
		if (!Array.isArray(body.data?.results)) throw new Error(`The execution list of ${workflowId} has no results: ${JSON.stringify(body).slice(0, 300)}`);
		return body.data.results.map((execution) => ({ ...execution, id: String(execution.id) }));
	}

	/** One execution with its run data; n8n sends the data serialized with `flatted`. */
	async execution(executionId: string, parseFlatted: (text: string) => RunRecord['data']): Promise<RunRecord> {
		const body = (await this.get(`/rest/executions/${encodeURIComponent(executionId)}`)) as { data?: { status?: string; data?: string } };
		if (typeof body.data?.data !== 'string') throw new Error(`Execution ${executionId} came without run data`);
		return { status: String(body.data.status), data: parseFlatted(body.data.data) };
	}

	private async get(path: string): Promise<unknown> {
		const response = await fetch(`${this.baseUrl}${path}`, { headers: { cookie: this.cookie }, signal: AbortSignal.timeout(60_000) });
		const text = await response.text();
		if (!response.ok) throw new Error(`n8n ${path} answered ${response.status}: ${text.slice(0, 500)}`);
		return JSON.parse(text);
	}
}

export interface ExecutionSummary {
	id: string;
	status: string;
	mode: string;
	workflowId: string;
}

/** Execution states after which n8n does not touch the execution again. */
export const FINISHED_STATES = ['success', 'error', 'crashed', 'canceled'];

/** n8n stores and sends run data serialized with `flatted`; read it with the copy n8n itself uses. */
export function flattedParser(toolchain: Toolchain): (text: string) => RunRecord['data'] {
	const flatted = createRequire(join(toolchain.n8nPackageDir, 'package.json'))('flatted') as { parse(text: string): RunRecord['data'] };
	return (text) => flatted.parse(text);
}
