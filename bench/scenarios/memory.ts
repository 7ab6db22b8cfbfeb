/**
 * 4. Memory, in filesystem binary mode (n8n's default in regular mode):
 *  - a large result video streamed from the emulator's CDN into n8n's binary storage;
 *  - a large audio file, read from disk into binary storage by n8n's Read/Write Files from Disk node,
 *    then read back by the node and uploaded to fal storage in parts (multipart above 90 MiB).
 * Each measured run gets a fresh engine process (warmed up with a small file first), whose RSS is
 * sampled every few ms during the node's run from a baseline taken after a full GC when the node
 * starts; the kernel's high-water mark (VmHWM) is the cross-check that nothing slipped between samples.
 */
import { closeSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';

import type { UploadRecord } from '../../test/emulator';
import { formatBytes } from '../processes';
import { assertComplete, list, max, mebibytes, median, MiB, rssGrowth, runsOf } from '../measure';
import type { RunResult, Row } from '../types';
import { WARMUP_PROMPT, withProcesses, type Scenario, type ScenarioContext } from './scenario';

export const memory: Scenario = {
	id: 'memory',
	title: 'Memory',
	async run(ctx) {
		const video = await videoDownload(ctx);
		const upload = await audioUpload(ctx);
		return {
			name: 'Memory',
			emulator: `video: --video-bytes ${ctx.config.memory.videoBytes}; upload: defaults`,
			setup: `filesystem binary mode; a fresh engine process per run, RSS sampled every ${ctx.config.memory.sampleMs} ms + VmHWM; ${runsOf(ctx.config.runs)} each`,
			rows: [video.row, upload.row],
			runs: [...video.runs.map((r) => ({ case: 'video', ...r })), ...upload.runs.map((r) => ({ case: 'upload', ...r }))],
		};
	},
};

interface MeasuredRun {
	growthBytes: number;
	fileBytes: number;
	/** Multipart uploads: how many parts fal storage received. */
	parts?: number;
	result: RunResult;
}

async function videoDownload(ctx: ScenarioContext): Promise<{ row: Row; runs: MeasuredRun[] }> {
	const { videoBytes, sampleMs, maxGrowthBytes } = ctx.config.memory;
	const runs: MeasuredRun[] = [];
	for (let run = 1; run <= ctx.config.runs; run++) {
		runs.push(
			await withProcesses(ctx, `memory-video-${run}`, { videoBytes }, 1, async (emulator, [engine]) => {
				await engine.run({ emulatorUrl: emulator.url, items: 1, maxConcurrentJobs: 1, prompt: `${WARMUP_PROMPT} [emulator:video-bytes=${MiB}]` });
				const result = await engine.run({ emulatorUrl: emulator.url, items: 1, maxConcurrentJobs: 1, memorySampleMs: sampleMs });
				assertComplete(result, 1, 'memory, video');
				const fileBytes = result.outputs[0].storedBytes ?? 0;
				if (fileBytes !== videoBytes) throw new Error(`memory, video: ${fileBytes} bytes stored, ${videoBytes} expected`);
				const growthBytes = rssGrowth(result.node.memory!);
				ctx.progress(`memory video run ${run}: ${formatBytes(fileBytes)} stored, peak RSS +${mebibytes(growthBytes)} in ${(result.node.wallMs / 1000).toFixed(1)} s`);
				return { growthBytes, fileBytes, result };
			}),
		);
	}
	return { row: memoryRow(`${formatBytes(videoBytes)} video → filesystem binary`, runs, maxGrowthBytes), runs };
}

async function audioUpload(ctx: ScenarioContext): Promise<{ row: Row; runs: MeasuredRun[] }> {
	const { audioBytes, sampleMs, maxGrowthBytes } = ctx.config.memory;
	const audioFile = join(ctx.workDir, `speech-${audioBytes}.mp3`);
	const warmupFile = join(ctx.workDir, 'speech-warmup.mp3');
	sparseFile(audioFile, audioBytes);
	sparseFile(warmupFile, MiB);
	const runs: MeasuredRun[] = [];
	for (let run = 1; run <= ctx.config.runs; run++) {
		runs.push(
			await withProcesses(ctx, `memory-upload-${run}`, {}, 1, async (emulator, [engine]) => {
				await engine.run({ emulatorUrl: emulator.url, items: 1, maxConcurrentJobs: 1, audioFile: warmupFile, prompt: WARMUP_PROMPT });
				const result = await engine.run({ emulatorUrl: emulator.url, items: 1, maxConcurrentJobs: 1, audioFile, memorySampleMs: sampleMs });
				assertComplete(result, 1, 'memory, upload');
				const upload = Object.values(await emulator.uploads()).find((u: UploadRecord) => u.bytes === audioBytes);
				if (!upload) throw new Error(`memory, upload: the emulator holds no upload of ${audioBytes} bytes`);
				if (!upload.multipart) throw new Error('memory, upload: the audio was not uploaded in parts');
				const growthBytes = rssGrowth(result.node.memory!);
				ctx.progress(`memory upload run ${run}: ${formatBytes(upload.bytes)} in ${upload.parts} parts, peak RSS +${mebibytes(growthBytes)} in ${(result.node.wallMs / 1000).toFixed(1)} s`);
				return { growthBytes, fileBytes: upload.bytes, parts: upload.parts, result };
			}),
		);
	}
	return { row: memoryRow(`${formatBytes(audioBytes)} binary audio → multipart upload`, runs, maxGrowthBytes), runs };
}

function memoryRow(figure: string, runs: MeasuredRun[], maxGrowthBytes: number): Row {
	const growth = median(runs.map((r) => r.growthBytes));
	const worst = max(runs.map((r) => r.growthBytes));
	return {
		scenario: 'Memory',
		figure: `${figure}: peak RSS growth`,
		value: `+${mebibytes(growth)} for ${formatBytes(runs[0]?.fileBytes ?? 0)} (worst +${mebibytes(worst)})`,
		target: `≤ ${maxGrowthBytes / MiB} MiB`,
		pass: growth <= maxGrowthBytes,
		data: {
			growthBytes: runs.map((r) => r.growthBytes),
			fileBytes: runs.map((r) => r.fileBytes),
			growth: list(runs.map((r) => r.growthBytes), mebibytes),
			memory: runs.map((r) => r.result.node.memory),
			nodeMs: runs.map((r) => r.result.node.wallMs),
		},
	};
}

/** A file of the given size that takes no disk space (reads as zeros). */
function sparseFile(path: string, bytes: number): void {
	const fd = openSync(path, 'w');
	try {
		ftruncateSync(fd, bytes);
	} finally {
		closeSync(fd);
	}
}
