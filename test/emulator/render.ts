import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

/**
 * Optional realism (renderWithFfmpeg): a "talking head" made of the uploaded still image and the uploaded
 * audio, at StableAvatar's output sizes and 25 fps. Without ffmpeg, the emulator serves the shipped clip.
 */
let ffmpegFound: boolean | undefined;

export function ffmpegAvailable(): boolean {
	ffmpegFound ??= spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
	return ffmpegFound;
}

export interface Rendering {
	/** Resolves with the output size in bytes, or undefined when rendering failed. */
	done: Promise<number | undefined>;
	stop(): void;
}

const RENDER_TIMEOUT_MS = 120_000;
const MAX_SECONDS = 300;

/** StableAvatar renders 512×512, 480×832 or 832×480. */
function frameSize(aspectRatio: unknown): [number, number] {
	if (aspectRatio === '16:9') return [832, 480];
	if (aspectRatio === '9:16') return [480, 832];
	return [512, 512];
}

export function renderTalkingVideo(image: string, audio: string, aspectRatio: unknown, outputPath: string): Rendering {
	const [width, height] = frameSize(aspectRatio);
	const fit = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`;
	const child = spawn(
		'ffmpeg',
		[
			'-nostdin', '-v', 'error', '-y',
			'-loop', '1', '-framerate', '25', '-i', image,
			'-i', audio,
			'-map', '0:v:0', '-map', '1:a:0', '-vf', fit, '-r', '25',
			'-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage',
			'-c:a', 'aac', '-b:a', '64k',
			'-shortest', '-t', String(MAX_SECONDS), '-movflags', '+faststart', outputPath,
		],
		{ stdio: 'ignore' },
	);
	const timeout = setTimeout(() => child.kill('SIGKILL'), RENDER_TIMEOUT_MS);
	timeout.unref();
	const done = new Promise<number | undefined>((resolve) => {
		child.on('error', () => resolve(undefined));
		child.on('close', (code) => {
			clearTimeout(timeout);
			resolve(code === 0 ? statSync(outputPath).size : undefined);
		});
	});
	return { done, stop: () => child.kill('SIGKILL') };
}
