/**
 * The engine process of the benchmark: n8n's real execution engine (test/harness/engine.ts) with the
 * Stable Avatar node, and nothing else: the fal emulator runs in its own process, so its CPU time and
 * memory never count here. Started by bench/processes.ts (EngineProcess) with IPC; runs one workflow per `run`
 * message and answers with what it measured. Binary data goes to the filesystem, n8n's default in
 * regular mode.
 *
 * The node's own share is measured by wrapping StableAvatar.prototype.execute: wall time, CPU time
 * (process.cpuUsage) and, when asked, RSS sampled every few ms from a baseline taken after a full GC
 * as the node starts, cross-checked with the kernel's high-water mark (VmHWM).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';

import { errorOf, outputOf, startWorkflow, useFilesystemBinaryStorage } from '../test/harness/engine';
import { AVATAR_NODE, avatarNode, avatarWorkflow, chain, trigger, urlInputs } from '../test/harness/workflows';
import { StableAvatar } from '../nodes/StableAvatar/StableAvatar.node.ts';
import { BinaryDataService } from 'n8n-core';
import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import type { ChildMessage, MemoryProbe, NodeProbe, OutputSummary, ParentMessage, RunResult, RunSpec } from './types';

const READ_NODE = 'Read Audio';

import { Container } from '../test/harness/container';
import { highWaterMark, resetHighWaterMark } from './highWaterMark';

let current: Pick<RunSpec, 'memorySampleMs' | 'cpuProfilePath' | 'drainInsteadOfStore'> = {};
let lastProbe: NodeProbe | undefined;

const originalExecute = StableAvatar.prototype.execute;
StableAvatar.prototype.execute = async function (this: IExecuteFunctions) {
	if (current.drainInsteadOfStore) drainInsteadOfStore(this.helpers);
	const memory = current.memorySampleMs ? startMemoryProbe(current.memorySampleMs) : undefined;
	const profiler = current.cpuProfilePath ? await startProfiler() : undefined;
	const cpuStart = process.cpuUsage();
	const startedAtMs = Date.now();
	const start = performance.now();
	try {
		return await originalExecute.call(this);
	} finally {
		const cpu = process.cpuUsage(cpuStart);
		const wallMs = performance.now() - start;
		if (profiler && current.cpuProfilePath) await profiler.stop(current.cpuProfilePath);
		lastProbe = {
			wallMs,
			startedAtMs,
			cpuUserMs: cpu.user / 1000,
			cpuSystemMs: cpu.system / 1000,
			memory: memory?.stop(),
		};
	}
};

/** See RunSpec.drainInsteadOfStore: the video is read to its end and counted, not stored. */
function drainInsteadOfStore(helpers: IExecuteFunctions['helpers']): void {
	const store = helpers.prepareBinaryData.bind(helpers);
	helpers.prepareBinaryData = async (data, fileName, mimeType) => {
		if (Buffer.isBuffer(data)) return await store(data, fileName, mimeType);
		let bytes = 0;
		for await (const chunk of data as AsyncIterable<Buffer>) bytes += chunk.length;
		return { data: '', mimeType: mimeType ?? 'application/octet-stream', fileName, bytes };
	};
}

/** A V8 CPU profile of this process (the inspector's Profiler, sampling every 100 µs). */
async function startProfiler(): Promise<{ stop(path: string): Promise<void> }> {
	const session = new Session();
	session.connect();
	await session.post('Profiler.enable');
	await session.post('Profiler.setSamplingInterval', { interval: 100 });
	await session.post('Profiler.start');
	return {
		async stop(path) {
			const { profile } = await session.post('Profiler.stop');
			writeFileSync(path, JSON.stringify(profile));
			session.disconnect();
		},
	};
}

function startMemoryProbe(sampleMs: number): { stop(): MemoryProbe } {
	const gc = (globalThis as { gc?: () => void }).gc;
	gc?.();
	gc?.();
	const hwmReset = resetHighWaterMark();
	const baselineRss = process.memoryUsage.rss();
	let peak = baselineRss;
	let samples = 0;
	let last = performance.now();
	let maxGap = 0;
	const sample = () => {
		const now = performance.now();
		maxGap = Math.max(maxGap, now - last);
		last = now;
		samples++;
		peak = Math.max(peak, process.memoryUsage.rss());
	};
	const timer = setInterval(sample, sampleMs);
	return {
		stop() {
			clearInterval(timer);
			sample();
			const hwm = hwmReset ? highWaterMark() : undefined;
			return { baselineRss, peakRssSampled: peak, peakRssHwm: hwm, samples, maxSampleGapMs: maxGap };
		},
	};
}


function readFileNode(path: string): INode {
	return {
		id: READ_NODE,
		name: READ_NODE,
		type: 'n8n-nodes-base.readWriteFile',
		typeVersion: 1,
		position: [200, 200],
		parameters: { operation: 'read', fileSelector: path, options: {} },
	} as INode;
}

function workflowFor(spec: RunSpec) {
	// Nothing fetches these inputs (the emulator does not render); they stay on this machine anyway.
	const parameters: IDataObject = urlInputs({
		imageUrl: `${spec.emulatorUrl}/files/bench/portrait.png`,
		audioUrl: `${spec.emulatorUrl}/files/bench/speech.mp3`,
		prompt: spec.prompt ?? 'A calm, natural speaking posture',
		// Options left out of the spec stay at the node's defaults.
		advancedOptions: JSON.parse(JSON.stringify({ maxConcurrentJobs: spec.maxConcurrentJobs, timeoutMinutes: spec.timeoutMinutes })) as IDataObject,
	});
	if (spec.audioFile) {
		parameters.audioSource = 'binary';
		parameters.audioBinaryProperty = 'data';
		return chain(trigger(), readFileNode(spec.audioFile), avatarNode(parameters));
	}
	const items = Array.from({ length: spec.items }, (_, index) => ({ json: { index } }));
	return avatarWorkflow(items, parameters);
}

async function run(spec: RunSpec): Promise<RunResult> {
	await useFilesystemBinaryStorage();
	const binaryData = Container.get(BinaryDataService);
	current = { memorySampleMs: spec.memorySampleMs, cpuProfilePath: spec.cpuProfilePath, drainInsteadOfStore: spec.drainInsteadOfStore };
	lastProbe = undefined;

	const cpuStart = process.cpuUsage();
	const start = performance.now();
	const result = await startWorkflow(workflowFor(spec), { apiKey: 'test-key', baseUrl: spec.emulatorUrl }).done;
	const workflowMs = performance.now() - start;
	const cpu = process.cpuUsage(cpuStart);

	const error = errorOf(result, AVATAR_NODE) ?? result.data.resultData.error;
	const outputs: OutputSummary[] = [];
	const stored: string[] = [];
	let items: ReturnType<typeof outputOf> = [];
	try {
		items = outputOf(result, AVATAR_NODE);
	} catch {
		// The node did not run: the error says why.
	}
	for (const item of items) {
		const video = item.binary?.data;
		const summary: OutputSummary = {
			requestId: typeof item.json.requestId === 'string' ? item.json.requestId : undefined,
			error: typeof item.json.error === 'string' ? item.json.error : undefined,
			binaryBytes: video?.bytes,
		};
		if (video?.id) {
			stored.push(video.id);
			summary.storedBytes = (await binaryData.getMetadata(video.id)).fileSize;
		}
		outputs.push(summary);
	}
	if (spec.audioFile) {
		try {
			const audioId = outputOf(result, READ_NODE)[0]?.binary?.data?.id;
			if (audioId) stored.push(audioId);
		} catch {
			// Read node did not run.
		}
	}
	if (!spec.keepBinaries && stored.length > 0) await binaryData.deleteManyByBinaryDataId(stored);

	return {
		status: result.status,
		error: error ? `${error.message}${error.description ? ` (${error.description})` : ''}` : undefined,
		workflowMs,
		workflowCpuMs: (cpu.user + cpu.system) / 1000,
		node: lastProbe ?? { wallMs: Number.NaN, startedAtMs: Number.NaN, cpuUserMs: Number.NaN, cpuSystemMs: Number.NaN },
		outputs,
	};
}

function send(message: ChildMessage): void {
	process.send?.(message);
}

let queue = Promise.resolve();
process.on('message', (message: ParentMessage) => {
	if (message.type === 'exit') process.exit(0);
	if (message.type !== 'run') return;
	queue = queue.then(async () => {
		try {
			send({ type: 'result', id: message.id, result: await run(message.spec) });
		} catch (error) {
			send({ type: 'failed', id: message.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
		}
	});
});
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (reason) => {
	process.stderr.write(`bench child: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

send({ type: 'ready', pid: process.pid, node: process.version });
