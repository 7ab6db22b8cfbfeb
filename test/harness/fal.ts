/**
 * Jest wiring shared by the engine tests: one fal emulator per test file, reset between tests,
 * and helpers to run a workflow against it and read what came out.
 */
import { createHash } from 'node:crypto';

import { Container } from './container';
import { BinaryDataService } from 'n8n-core';
import type { IBinaryData, IRun } from 'n8n-workflow';

import { startFalEmulator, type EmulatorOptions, type LocalFalEmulator } from '../emulator';
import type { FalCredentials } from './credentials';
import { runWorkflow, startWorkflow, type RunHandle, type WorkflowDefinition } from './engine';

/** A key distinctive enough to search for in every output: it must never show up there. */
export const TEST_API_KEY = 'fal-test-key-5ecret-do-not-leak';

export interface FalTestContext {
	readonly fal: LocalFalEmulator;
	credentials(overrides?: Partial<FalCredentials>): FalCredentials;
	run(workflow: WorkflowDefinition, overrides?: Partial<FalCredentials>): Promise<IRun>;
	start(workflow: WorkflowDefinition): RunHandle;
}

export function useFalEmulator(options: EmulatorOptions = {}): FalTestContext {
	let emulator: LocalFalEmulator | undefined;
	const defaults = { runMs: 100, ...options, apiKeys: [TEST_API_KEY, ...(options.apiKeys ?? [])] };
	beforeAll(async () => {
		emulator = await startFalEmulator(defaults);
	});
	afterEach(() => {
		emulator?.reset();
		Object.assign(emulator!.options, defaults);
	});
	afterAll(async () => {
		await emulator?.close();
	});
	const context: FalTestContext = {
		get fal() {
			if (!emulator) throw new Error('the emulator is not running');
			return emulator;
		},
		credentials: (overrides = {}) => ({ apiKey: TEST_API_KEY, baseUrl: context.fal.url, ...overrides }),
		run: async (workflow, overrides) => await runWorkflow(workflow, context.credentials(overrides)),
		start: (workflow) => startWorkflow(workflow, context.credentials()),
	};
	return context;
}

/** The bytes of a binary, wherever n8n keeps them (inline base64 or binary storage). */
export async function binaryBytes(binary: IBinaryData): Promise<Buffer> {
	if (binary.id) return await Container.get(BinaryDataService).getAsBuffer(binary);
	return Buffer.from(binary.data, 'base64');
}

export function sha256(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}
