import type { EmulatorOptions, ResolvedEmulatorOptions } from './types';

const ONE_HOUR_MS = 60 * 60 * 1000;

/** Fills in defaults. `videoBytes` defaults to the shipped clip, whose size the caller knows. */
export function resolveOptions(options: EmulatorOptions, clipBytes: number): ResolvedEmulatorOptions {
	return {
		host: options.host ?? '127.0.0.1',
		port: options.port ?? 0,
		apiKeys: options.apiKeys ?? ['test-key'],
		queueMs: options.queueMs ?? 0,
		runMs: options.runMs ?? 150,
		concurrency: options.concurrency ?? Infinity,
		videoBytes: options.videoBytes ?? clipBytes,
		resultTtlMs: options.resultTtlMs ?? ONE_HOUR_MS,
		outcome: options.outcome,
		faults: options.faults ?? [],
		webhookRetryDelaysMs: options.webhookRetryDelaysMs ?? [100, 300, 900],
		webhookTimeoutMs: options.webhookTimeoutMs ?? 5000,
		logStatusPolls: options.logStatusPolls ?? true,
		renderWithFfmpeg: options.renderWithFfmpeg ?? false,
		seed: options.seed ?? 1,
		videoFile: options.videoFile,
	};
}
