/**
 * Shared wiring of the reliability suite (issue 6). `useReliability()` is `useFalEmulator()` plus a key
 * watch that every reliability test runs under: n8n's logging is turned on into a capturing logger,
 * console output is captured, every run's full IRun and node errors are kept, and every request the
 * emulator answered is recorded. After each test none of that may contain the API key, and the key
 * may only have travelled to fal API routes: never to the CDN, never to a signed upload URL.
 */
import '../harness/userFolder';

import { createHook } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';

import type { Constructable } from '@n8n/di';
import { LoggerProxy, type IRun, type Logger as WorkflowLogger } from 'n8n-workflow';

import type { EmulatorOptions, LocalFalEmulator, RequestLogEntry, RouteName } from '../emulator';
import type { FalCredentials } from '../harness/credentials';
import { Container } from '../harness/container';
import { startWorkflow, type RunHandle, type WorkflowDefinition } from '../harness/engine';
import { TEST_API_KEY, useFalEmulator } from '../harness/fal';

/** fal API routes: the only ones that may carry `Authorization: Key …`. */
export const API_ROUTES: ReadonlySet<RouteName> = new Set(['submit', 'status', 'stream', 'result', 'cancel', 'initiate', 'initiate-multipart']);

/** n8n-core's logger class (the DI token behind every node's `this.logger`), from n8n-core's own copy. */
const { Logger: N8nLogger } = createRequire(require.resolve('n8n-core'))('@n8n/backend-common') as { Logger: Constructable<object> };

export interface CapturedLog {
	source: 'n8n' | 'console';
	level: string;
	text: string;
}

export interface ReliabilityContext {
	readonly fal: LocalFalEmulator;
	credentials(overrides?: Partial<FalCredentials>): FalCredentials;
	/** Runs a workflow; its IRun and errors join what the key watch scans. */
	run(workflow: WorkflowDefinition, overrides?: Partial<FalCredentials>): Promise<IRun>;
	start(workflow: WorkflowDefinition, overrides?: Partial<FalCredentials>): RunHandle;
	/** Everything n8n's loggers and the console wrote during the current test. */
	readonly logs: CapturedLog[];
	/** Every request the emulator answered during the current test (kept even when the emulator log is reset). */
	readonly requests: RequestLogEntry[];
	/** Keys (or parts of keys) that must never appear anywhere but the Authorization header of an API route. */
	secrets: string[];
}

export function useReliability(options: EmulatorOptions = {}): ReliabilityContext {
	const ctx = useFalEmulator(options);
	const logs: CapturedLog[] = [];
	const requests: RequestLogEntry[] = [];
	/** Text that must not hold a secret: IRun JSON, inspected errors, log lines. */
	const scanned: Array<{ what: string; text: string }> = [];
	const defaultSecrets = [TEST_API_KEY];
	let unsubscribe: (() => void) | undefined;
	let restoreLogging: (() => void) | undefined;
	let initialOptions: LocalFalEmulator['options'] | undefined;

	const keep = (what: string, run: IRun) => {
		scanned.push({ what: `${what}: IRun JSON`, text: JSON.stringify(run) });
		for (const [node, runs] of Object.entries(run.data.resultData.runData)) {
			for (const taskData of runs) {
				if (taskData.error) scanned.push({ what: `${what}: error of ${node}`, text: inspectDeep(taskData.error) });
			}
		}
		if (run.data.resultData.error) scanned.push({ what: `${what}: run error`, text: inspectDeep(run.data.resultData.error) });
	};

	beforeAll(() => {
		restoreLogging = captureLogging(logs);
		unsubscribe = ctx.fal.onRequestDone((entry) => requests.push(entry));
		initialOptions = { ...ctx.fal.options };
	});
	afterEach(() => {
		// Every option a test may change (outcome, resultTtlMs, videoBytes…) goes back to how it started.
		Object.assign(ctx.fal.options, initialOptions);
		const context = expect.getState().currentTestName ?? 'test';
		try {
			expectNoSecrets(context, reliability.secrets, scanned, logs, requests);
		} finally {
			logs.length = 0;
			requests.length = 0;
			scanned.length = 0;
			reliability.secrets = [...defaultSecrets];
		}
	});
	afterAll(() => {
		unsubscribe?.();
		restoreLogging?.();
	});

	const reliability: ReliabilityContext = {
		get fal() {
			return ctx.fal;
		},
		credentials: (overrides) => ctx.credentials(overrides),
		run: async (workflow, overrides) => {
			const run = await ctx.run(workflow, overrides);
			keep('run', run);
			return run;
		},
		start: (workflow, overrides) => {
			const handle = startWorkflow(workflow, ctx.credentials(overrides));
			return { ...handle, done: handle.done.then((run) => (keep('started run', run), run)) };
		},
		logs,
		requests,
		secrets: [...defaultSecrets],
	};
	return reliability;
}

/** The key checks run after every reliability test. */
function expectNoSecrets(
	test: string,
	secrets: string[],
	scanned: Array<{ what: string; text: string }>,
	logs: CapturedLog[],
	requests: RequestLogEntry[],
): void {
	const texts = [...scanned, ...logs.map((log) => ({ what: `${log.source} ${log.level} log`, text: log.text }))];
	const leaks = texts.filter(({ text }) => secrets.some((secret) => text.includes(secret))).map(({ what }) => what);
	expect({ test, leaks }).toEqual({ test, leaks: [] });

	// On the wire: a key only in the Authorization header, and only towards fal's API routes.
	const keyedElsewhere = requests.filter((entry) => entry.authorization !== undefined && !API_ROUTES.has(entry.route as RouteName));
	expect({ test, keyedElsewhere: keyedElsewhere.map(describeRequest) }).toEqual({ test, keyedElsewhere: [] });
	const inUrl = requests.filter((entry) => secrets.some((secret) => JSON.stringify({ ...entry, authorization: undefined }).includes(secret)));
	expect({ test, keyInUrl: inUrl.map(describeRequest) }).toEqual({ test, keyInUrl: [] });
}

function describeRequest(entry: RequestLogEntry): string {
	return `${entry.method} ${entry.route} ${entry.path}`;
}

/**
 * Turns n8n's logging on for the test file, into `logs`: the DI logger that nodes get as
 * `this.logger`, n8n-workflow's LoggerProxy (the engine's own lines), and the console.
 */
function captureLogging(logs: CapturedLog[]): () => void {
	const record = (source: CapturedLog['source'], level: string) => (...parts: unknown[]) => {
		logs.push({ source, level, text: parts.map((part) => (typeof part === 'string' ? part : inspectDeep(part))).join(' ') });
	};
	const capturing: WorkflowLogger & { scoped(): unknown } = {
		error: record('n8n', 'error'),
		warn: record('n8n', 'warn'),
		info: record('n8n', 'info'),
		debug: record('n8n', 'debug'),
		scoped: () => capturing,
	};
	const previous = Container.get(N8nLogger);
	Container.set(N8nLogger, capturing);
	LoggerProxy.init(capturing);
	const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
		jest.spyOn(console, level).mockImplementation(record('console', level)),
	);
	return () => {
		for (const spy of spies) spy.mockRestore();
		Container.set(N8nLogger, previous);
		LoggerProxy.init(previous as unknown as WorkflowLogger);
	};
}

/** Everything an error or log metadata holds, hidden properties and causes included. */
export function inspectDeep(value: unknown): string {
	const parts = [inspect(value, { depth: 8, showHidden: true, maxArrayLength: 50, maxStringLength: 100_000 })];
	if (value instanceof Error) parts.push(String(value.stack), JSON.stringify(value));
	return parts.join('\n');
}

/** Jobs the emulator holds, by prompt: how a job is tied to the item that asked for it. */
export function jobsByPrompt(fal: LocalFalEmulator): Map<string, string[]> {
	const byPrompt = new Map<string, string[]>();
	for (const job of fal.jobs.values()) {
		const prompt = String(job.input.prompt);
		byPrompt.set(prompt, [...(byPrompt.get(prompt) ?? []), job.requestId]);
	}
	return byPrompt;
}

/** A request that failed at the emulator: an error status or a dropped connection. */
export function failed(entry: RequestLogEntry): boolean {
	return entry.status === 0 || entry.status >= 400;
}

/** Resources that keep a Node process alive (timers, sockets, servers…), counted by kind. */
export function activeResources(): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
	return counts;
}

/** Timers and sockets (both ends: the node's and the emulator's) are what a finished run must not leave. */
const TRACKED = new Set(['Timeout', 'TCPWRAP']);

export interface LeftOver {
	type: string;
	/** Where it was created. */
	stack: string;
}

/**
 * Records the timers and sockets created from now on (by the node, n8n or the emulator; jest's own
 * are ignored). `leftOver()` lists those still open that keep the process alive: an unref'd timer
 * does not (Node's AbortSignal.timeout, for one), a socket always does.
 */
export function trackResources(): { leftOver(): LeftOver[]; stop(): void } {
	const live = new Map<number, { type: string; resource: { hasRef?: () => boolean }; stack: string }>();
	const hook = createHook({
		init(asyncId, type, _trigger, resource) {
			if (!TRACKED.has(type)) return;
			const stack = (new Error().stack ?? '').split('\n').slice(2).join('\n');
			if (/[\\/]node_modules[\\/](@jest|jest-[\w-]+|expect)[\\/]/.test(stack) || TEST_WAITS.test(stack)) return;
			live.set(asyncId, { type, resource: resource as { hasRef?: () => boolean }, stack });
		},
		destroy(asyncId) {
			live.delete(asyncId);
		},
	}).enable();
	return {
		leftOver: () =>
			[...live.values()]
				.filter(({ type, resource }) => type !== 'Timeout' || resource.hasRef?.() !== false)
				.map(({ type, stack }) => ({ type, stack: stack.split('\n').filter((line) => !line.includes('node:internal')).slice(0, 6).join('\n') })),
		stop: () => hook.disable(),
	};
}

/** The tests' own waiting (these helpers, the emulator's waitFor) is not the run's. */
const TEST_WAITS = /\bat (waitUntil|LocalFalEmulator\.waitFor) /;

/** Waits until `predicate` holds, or `timeoutMs` passed. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
