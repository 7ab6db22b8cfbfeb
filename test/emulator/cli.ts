/**
 * Runs the fal emulator as a process:
 *   npx tsx test/emulator/cli.ts [--port N] [--host 127.0.0.1] [--run-ms N] [--queue-ms N] [--concurrency N]
 *                                [--video-bytes N] [--api-key K ...] [--ready-file PATH]
 *                                [--result-ttl-ms N] [--seed N] [--render]   (--render = renderWithFfmpeg)
 *                                [--webhook-retry-ms 2000,4000,8000,…]   (waits before each webhook retry)
 * Prints one JSON line {"url": "..."} on stdout once listening (and writes it to --ready-file),
 * one line per request on stderr, and exits cleanly on SIGTERM / SIGINT.
 */
import { writeFileSync } from 'node:fs';
import { startFalEmulator } from './index';
import type { EmulatorOptions, RequestLogEntry } from './types';

interface CliArguments {
	options: EmulatorOptions;
	readyFile?: string;
}

const NUMBER_FLAGS: Record<string, 'port' | 'runMs' | 'queueMs' | 'concurrency' | 'videoBytes' | 'resultTtlMs' | 'seed'> = {
	'--port': 'port',
	'--run-ms': 'runMs',
	'--queue-ms': 'queueMs',
	'--concurrency': 'concurrency',
	'--video-bytes': 'videoBytes',
	'--result-ttl-ms': 'resultTtlMs',
	'--seed': 'seed',
};

function parseArguments(argv: string[]): CliArguments {
	const options: EmulatorOptions = {};
	const apiKeys: string[] = [];
	let readyFile: string | undefined;
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) throw new Error(`${flag} needs a value`);
			return next;
		};
		if (flag in NUMBER_FLAGS) {
			const number = Number(value());
			if (!Number.isFinite(number) || number < 0) throw new Error(`${flag} needs a non-negative number`);
			options[NUMBER_FLAGS[flag]] = number;
		} else if (flag === '--host') options.host = value();
		else if (flag === '--api-key') apiKeys.push(value());
		else if (flag === '--ready-file') readyFile = value();
		else if (flag === '--render') options.renderWithFfmpeg = true;
		else if (flag === '--webhook-retry-ms') options.webhookRetryDelaysMs = parseDelays(flag, value());
		else throw new Error(`unknown flag ${flag}`);
	}
	if (apiKeys.length > 0) options.apiKeys = apiKeys;
	return { options, readyFile };
}

function parseDelays(flag: string, text: string): number[] {
	const delays = text.split(',').map((part) => Number(part.trim()));
	if (delays.some((delay) => !Number.isFinite(delay) || delay < 0)) throw new Error(`${flag} needs comma-separated non-negative numbers`);
	return delays;
}

function describe(entry: RequestLogEntry): string {
	const fault = entry.fault ? ` fault=${entry.fault}` : '';
	const key = entry.authorization ? ' auth' : '';
	return `${new Date(entry.time).toISOString()} ${entry.method} ${entry.path} [${entry.route}] → ${entry.status}${fault}${key}`;
}

async function main(): Promise<void> {
	const { options, readyFile } = parseArguments(process.argv.slice(2));
	const emulator = await startFalEmulator(options);
	emulator.onRequestDone((entry) => process.stderr.write(`${describe(entry)}\n`));
	const ready = JSON.stringify({ url: emulator.url });
	if (readyFile) writeFileSync(readyFile, `${ready}\n`);
	process.stdout.write(`${ready}\n`);

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		emulator.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main().catch((error: Error) => {
	process.stderr.write(`fal emulator: ${error.message}\n`);
	process.exit(2);
});
