/**
 * 6. Preflight: the audio duration read from a file's headers before anything is uploaded
 * (nodes/StableAvatar/transport/media/audioDuration.ts), on a 300 MiB WAV and a 100 MiB constant-bitrate
 * MP3 (the MP3 path that needs the file size), each read from a file stream as the node reads a binary;
 * and, without a target, a 100 MiB M4A with its moov at the end, and 100 MiB of each format whose frames
 * are counted to the end (MP3 without Xing, ADTS AAC, fragmented M4A, WebM without Duration, FLAC
 * without a sample count), made by ffmpeg. The WAV, MP3 and M4A are real headers followed by sparse
 * zeros, so they take no disk space; the others are real frames throughout.
 *
 * Each measured run is a fresh Node process (this file, forked): it warms the parsers up on the small
 * shipped fixtures, takes a baseline RSS after a full GC, resets the kernel's high-water mark (VmHWM),
 * reads the duration once, and reports the wall time, the peak RSS growth (VmHWM, and RSS after) and how
 * many bytes the file stream read. Nothing else runs in that process, so the figures are the parser's.
 */
import { fork, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { audioDuration } from '../../nodes/StableAvatar/transport/media/audioDuration';
import { list, mebibytes, median, MiB, millis, runsOf } from '../measure';
import { formatBytes, ROOT } from '../processes';
import type { Row } from '../types';
import type { Scenario } from './scenario';
import { highWaterMark, resetHighWaterMark } from '../highWaterMark';

const WAV_BYTES = 300 * MiB;
const MP3_BYTES = 100 * MiB;
/** The slow case, reported without a target: an M4A whose moov comes last streams through whole. */
const M4A_BYTES = 100 * MiB;
const MAX_MS = 50;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'media');
/** The formats read to their end (frames counted), each made 100 MiB of real frames by ffmpeg. */
const WHOLE_FILE_BYTES = 100 * MiB;
interface WholeFileKind {
	label: string;
	file: string;
	/** ffmpeg arguments that write the kind to stdout. */
	ffmpeg: string[];
}
const WHOLE_FILE_KINDS: WholeFileKind[] = [
	// Frames copied in a loop: an MP3 or ADTS stream is its frames, one after another.
	{ label: 'VBR MP3 without Xing (frames counted)', file: 'mp3-vbr-no-xing.mp3', ffmpeg: ['-stream_loop', '-1', '-i', join(FIXTURES, 'mp3-vbr-no-xing.mp3'), '-c', 'copy', '-write_xing', '0', '-f', 'mp3'] },
	{ label: 'raw ADTS AAC (frames counted)', file: 'aac-adts.aac', ffmpeg: ['-stream_loop', '-1', '-i', join(FIXTURES, 'aac-adts.aac'), '-c', 'copy', '-f', 'adts'] },
	{ label: 'fragmented M4A (trun durations summed)', file: 'm4a-fragmented.m4a', ffmpeg: ['-stream_loop', '-1', '-i', join(FIXTURES, 'm4a-fragmented.m4a'), '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', '-f', 'mp4'] },
	{ label: 'WebM Opus without Duration (last block)', file: 'webm-opus-streamed.webm', ffmpeg: ['-stream_loop', '-1', '-i', join(FIXTURES, 'webm-opus-streamed.webm'), '-c', 'copy', '-f', 'webm'] },
	// FLAC frames are numbered, so a loop of copies would not be one stream: white noise, encoded into a pipe.
	{ label: 'FLAC without a sample count (frames found)', file: 'flac-streamed.flac', ffmpeg: ['-f', 'lavfi', '-i', 'anoisesrc=sample_rate=48000:amplitude=0.5', '-ac', '2', '-c:a', 'flac', '-f', 'flac'] },
];
const MAX_GROWTH_BYTES = 20 * MiB;
const CHILD_TIMEOUT_MS = 60_000;

interface PreflightRun {
	seconds?: number;
	format?: string;
	estimated?: boolean;
	wallMs: number;
	/** Peak RSS over the read minus the baseline: VmHWM when the kernel has it, else RSS after. */
	growthBytes: number;
	rssAfterGrowthBytes: number;
	hwm: boolean;
	/** What the file stream read from disk. */
	bytesRead: number;
}

export const preflight: Scenario = {
	id: 'preflight',
	title: 'Preflight',
	async run(ctx) {
		const files = [
			{ label: `${formatBytes(WAV_BYTES)} WAV (16 kHz mono PCM)`, path: writeWav(ctx.workDir), target: true },
			{ label: `${formatBytes(MP3_BYTES)} MP3 (32 kbit/s CBR frames, then sparse zeros)`, path: writeMp3(ctx.workDir), target: true },
			{ label: `${formatBytes(M4A_BYTES)} M4A, moov at the end`, path: writeM4a(ctx.workDir), target: false },
			// The formats whose frames are counted: real bytes to the end, every one of them read.
			...WHOLE_FILE_KINDS.map((kind) => ({ label: `${formatBytes(WHOLE_FILE_BYTES)} ${kind.label}`, path: writeWholeFile(ctx.workDir, kind), target: false })),
		];
		const rows: Row[] = [];
		const runs: Array<PreflightRun & { file: string }> = [];
		for (const file of files) {
			const measured: PreflightRun[] = [];
			for (let run = 1; run <= ctx.config.runs; run++) {
				const result = await measureInChild(file.path);
				if (result.seconds === undefined) throw new Error(`preflight: no duration read from the ${file.label}`);
				measured.push(result);
				ctx.progress(
					`preflight ${file.label} run ${run}: ${result.seconds.toFixed(1)} s ${result.format}${result.estimated ? ' (estimated)' : ''} in ${millis(result.wallMs)}, peak RSS +${mebibytes(result.growthBytes)}, ${formatBytes(result.bytesRead)} read`,
				);
			}
			runs.push(...measured.map((r) => ({ file: file.label, ...r })));
			rows.push(...preflightRows(file.label, measured, file.target));
		}
		return {
			name: 'Preflight',
			emulator: '- (no fal calls: headers of local files)',
			setup: `audioDuration() on a file stream (64 KiB chunks) of sparse files; a fresh process per run, warmed up on the shipped fixtures, baseline after a full GC, peak from VmHWM; ${runsOf(ctx.config.runs)} each`,
			rows,
			runs,
		};
	},
};

function preflightRows(label: string, runs: PreflightRun[], withTargets: boolean): Row[] {
	const wallMs = median(runs.map((r) => r.wallMs));
	const growth = median(runs.map((r) => r.growthBytes));
	const first = runs[0];
	return [
		{
			scenario: 'Preflight',
			figure: `${label}: duration from a file stream`,
			value: `${millis(wallMs)} (${first.seconds!.toFixed(1)} s${first.estimated ? ', estimated' : ''}; ${formatBytes(first.bytesRead)} read)`,
			target: withTargets ? `≤ ${MAX_MS} ms` : '(reported)',
			pass: withTargets ? wallMs <= MAX_MS : undefined,
			data: { wallMs: runs.map((r) => r.wallMs), bytesRead: runs.map((r) => r.bytesRead), seconds: first.seconds },
		},
		{
			scenario: 'Preflight',
			figure: `same, peak RSS growth`,
			value: `+${mebibytes(growth)} (runs ${list(runs.map((r) => r.growthBytes), mebibytes)})`,
			target: withTargets ? `≤ ${MAX_GROWTH_BYTES / MiB} MiB` : '(reported)',
			pass: withTargets ? growth <= MAX_GROWTH_BYTES : undefined,
			data: { growthBytes: runs.map((r) => r.growthBytes), rssAfterGrowthBytes: runs.map((r) => r.rssAfterGrowthBytes), hwm: first.hwm },
		},
	];
}

/** A WAV header for 16 kHz mono 16-bit PCM whose data fills the file, then sparse zeros. */
function writeWav(workDir: string): string {
	const dataBytes = WAV_BYTES - 44;
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'ascii');
	header.writeUInt32LE(WAV_BYTES - 8, 4);
	header.write('WAVEfmt ', 8, 'ascii');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20); // PCM
	header.writeUInt16LE(1, 22); // mono
	header.writeUInt32LE(16_000, 24);
	header.writeUInt32LE(32_000, 28);
	header.writeUInt16LE(2, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36, 'ascii');
	header.writeUInt32LE(dataBytes, 40);
	return sparseFile(join(workDir, 'preflight-300MiB.wav'), header, WAV_BYTES);
}

/** The shipped CBR fixture's frames (no Xing header, no ID3 tag), then sparse zeros. */
function writeMp3(workDir: string): string {
	return sparseFile(join(workDir, 'preflight-100MiB.mp3'), readFileSync(join(FIXTURES, 'mp3-cbr-no-xing.mp3')), MP3_BYTES);
}

/** The shipped M4A with moov last, and a sparse `free` box after its ftyp that makes it 100 MiB. */
function writeM4a(workDir: string): string {
	const original = readFileSync(join(FIXTURES, 'm4a-moov-end.m4a'));
	const ftypLength = original.readUInt32BE(0);
	const padding = Buffer.alloc(8);
	padding.writeUInt32BE(M4A_BYTES - original.length, 0);
	padding.write('free', 4, 'ascii');
	const path = join(workDir, 'preflight-100MiB.m4a');
	const fd = openSync(path, 'w');
	try {
		writeSync(fd, original, 0, ftypLength, 0);
		writeSync(fd, padding, 0, 8, ftypLength);
		writeSync(fd, original, ftypLength, original.length - ftypLength, ftypLength + M4A_BYTES - original.length);
	} finally {
		closeSync(fd);
	}
	return path;
}

/** ffmpeg writes the kind into a pipe until the file has 100 MiB (the cut may end inside a last frame). */
function writeWholeFile(workDir: string, kind: WholeFileKind): string {
	const path = join(workDir, `preflight-100MiB-${kind.file}`);
	const made = spawnSync('sh', ['-c', `ffmpeg -v fatal ${kind.ffmpeg.map(quote).join(' ')} pipe:1 | head -c ${WHOLE_FILE_BYTES} > ${quote(path)}`], { stdio: ['ignore', 'ignore', 'inherit'] });
	if (made.status !== 0 || statSync(path).size !== WHOLE_FILE_BYTES) throw new Error(`preflight: ffmpeg could not write ${kind.label} (${path})`);
	return path;
}

function quote(arg: string): string {
	return `'${arg.replace(/'/g, "'\\''")}'`;
}

function sparseFile(path: string, head: Buffer, bytes: number): string {
	const fd = openSync(path, 'w');
	try {
		writeSync(fd, head);
		ftruncateSync(fd, bytes);
	} finally {
		closeSync(fd);
	}
	return path;
}

async function measureInChild(path: string): Promise<PreflightRun> {
	const child = fork(__filename, [path], { cwd: ROOT, execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	try {
		return await new Promise<PreflightRun>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`preflight: the measuring process did not answer within ${CHILD_TIMEOUT_MS} ms`)), CHILD_TIMEOUT_MS);
			child.once('message', (message) => {
				clearTimeout(timer);
				resolve(message as PreflightRun);
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`preflight: the measuring process exited with code ${code} before answering`));
			});
		});
	} finally {
		if (child.exitCode === null) child.kill('SIGKILL');
	}
}

/** The forked process: warm up, then one measured read of `path`. */
async function measure(path: string): Promise<PreflightRun> {
	for (const name of ['wav-pcm16.wav', 'mp3-cbr-no-xing.mp3', 'm4a-moov-end.m4a', ...WHOLE_FILE_KINDS.map((kind) => kind.file)]) {
		const fixture = join(FIXTURES, name);
		await audioDuration(createReadStream(fixture), { size: statSync(fixture).size });
	}
	const gc = (globalThis as { gc?: () => void }).gc;
	gc?.();
	gc?.();
	const hwm = resetHighWaterMark();
	const baseline = process.memoryUsage.rss();
	const size = statSync(path).size;
	const start = performance.now();
	const stream = createReadStream(path);
	const duration = await audioDuration(stream, { size });
	const wallMs = performance.now() - start;
	const rssAfter = process.memoryUsage.rss();
	const peak = hwm ? Math.max(highWaterMark() ?? 0, rssAfter) : rssAfter;
	return {
		seconds: duration?.seconds,
		format: duration?.format,
		estimated: duration?.estimated,
		wallMs,
		growthBytes: peak - baseline,
		rssAfterGrowthBytes: rssAfter - baseline,
		hwm,
		bytesRead: stream.bytesRead,
	};
}


if (require.main === module) {
	const path = process.argv[2];
	measure(path).then(
		(result) => process.send?.(result, () => process.exit(0)),
		(error: Error) => {
			process.stderr.write(`preflight child: ${error.stack ?? error.message}\n`);
			process.exit(1);
		},
	);
}
