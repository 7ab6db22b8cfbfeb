/**
 * Regular mode: one n8n with its SQLite database, every example run by `n8n execute`, the way a
 * single self-hosted n8n runs them. Binary data lives on the filesystem (regular mode's default).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { check, checkFalFailure, checkUploadedInputs, checkVideos, type VideoExpectations } from './checks';
import { ASSETS_DIR } from './config';
import { faultsBatchWorkflow, FAULTS_SCENARIO, runUnderFaults } from './faults-batch';
import { n8nEnv, N8nCli } from './n8n';
import { installIntoUserFolder } from './package';
import { freePort } from './processes';
import { retryScenario, retryWorkflow } from './stop-and-retry';
import type { ScenarioResult } from './report';
import type { Stage } from './stage';
import { asVariant, EXAMPLES, FAILING_PROMPT, falCredential, loadExample, settingOf, withSettings } from './workflows';

const MODE = 'regular';
/** One video of a realistic size (a minute or two of footage) instead of the emulator's 12 kB clip. */
const LARGE_VIDEO_PROMPT = 'A person speaks calmly. [emulator:video-bytes=33554432]';
const RETRY_MARKER = 'retry-on-fail-regular';

export async function runRegularMode(stage: Stage): Promise<void> {
	const { report, emulator } = stage;
	const dir = join(stage.runDir, MODE);
	const userFolder = join(dir, 'n8n');
	const inputDir = join(dir, 'input');
	const outputDir = join(dir, 'videos');
	for (const folder of [userFolder, inputDir, outputDir]) mkdirSync(folder, { recursive: true });
	const portrait = copyAsset('portrait.png', inputDir);
	const speech = copyAsset('speech.mp3', inputDir);

	let cli: N8nCli;
	const workflows = {
		speech: withSettings(loadExample(EXAMPLES.speech), { speechFile: speech, prompt: LARGE_VIDEO_PROMPT, outputFolder: outputDir }),
		batch: withSettings(loadExample(EXAMPLES.batch), { outputFolder: outputDir }),
		faultsBatch: faultsBatchWorkflow(outputDir),
		binary: withSettings(loadExample(EXAMPLES.binary), { imageFile: portrait, audioFile: speech, outputFolder: outputDir }),
		failing: asVariant(
			withSettings(loadExample(EXAMPLES.speech), { speechFile: speech, prompt: FAILING_PROMPT, outputFolder: outputDir }),
			'Fails',
			'job fails on fal',
		),
		retry: retryWorkflow({ speechFile: speech, outputFolder: outputDir }, RETRY_MARKER),
	};
	try {
		await installIntoUserFolder(stage.group, stage.toolchain, stage.tarball, userFolder);
		const env = n8nEnv(stage.toolchain, { userFolder, fileAccessDirs: [inputDir, outputDir], brokerPort: await freePort() });
		cli = new N8nCli(stage.group, stage.toolchain, env, dir);
		await cli.importCredentials([falCredential(emulator.url)]);
		await cli.importWorkflows(Object.values(workflows));
	} catch (error) {
		report.setupFailed(MODE, error);
		return;
	}

	const expect = (count: number): VideoExpectations => ({ count, outputDir, binaryMode: 'filesystem-v2' });
	const execute = async (workflowId: string) => {
		const execution = await cli.execute(workflowId);
		if (!execution.run) throw new Error(`n8n execute printed no run (exit ${execution.exitCode}):\n${execution.output.slice(-3000)}`);
		return execution.run;
	};

	await report.scenario(MODE, EXAMPLES.speech, async (): Promise<ScenarioResult> => {
		const run = await execute(workflows.speech.id as string);
		const [video] = await checkVideos(run, emulator, expect(1));
		// The speech arrives as binary data and goes through fal storage; the portrait stays a URL.
		await checkUploadedInputs(emulator, video.requestId, { audio_url: speech });
		const imageUrl = (await emulator.job(video.requestId))?.input.image_url;
		check(imageUrl === settingOf(workflows.speech, 'imageUrl'), `image_url is ${String(imageUrl)}, not the portrait URL of Settings`);
		return { status: run.status, videoBytes: [video.bytes], note: 'speech uploaded to fal storage byte for byte; a 32 MiB video, written intact' };
	});

	await report.scenario(MODE, EXAMPLES.batch, async (): Promise<ScenarioResult> => {
		const run = await execute(workflows.batch.id as string);
		const videos = await checkVideos(run, emulator, expect(3));
		return { status: run.status, videoBytes: videos.map((video) => video.bytes) };
	});

	await report.scenario(MODE, FAULTS_SCENARIO, () =>
		runUnderFaults(emulator, () => execute(workflows.faultsBatch.id as string), { outputDir, binaryMode: 'filesystem-v2' }),
	);

	await report.scenario(MODE, EXAMPLES.binary, async (): Promise<ScenarioResult> => {
		const run = await execute(workflows.binary.id as string);
		const [video] = await checkVideos(run, emulator, expect(1));
		await checkUploadedInputs(emulator, video.requestId, { image_url: portrait, audio_url: speech });
		return { status: run.status, videoBytes: [video.bytes], note: 'inputs uploaded to fal storage byte for byte' };
	});

	await report.scenario(MODE, `${EXAMPLES.speech} (job fails on fal)`, async (): Promise<ScenarioResult> => {
		const run = await execute(workflows.failing.id as string);
		const error = await checkFalFailure(run, emulator, FAILING_PROMPT, 'runner_server_error');
		return { status: run.status, note: `reported "${error.split(' — ')[0]}" with the request id` };
	});

	await report.scenario(MODE, `${EXAMPLES.speech} (Retry On Fail, job fails on fal)`, async () => await retryScenario(cli, emulator, workflows.retry, RETRY_MARKER));
}

function copyAsset(name: string, folder: string): string {
	const target = join(folder, name);
	copyFileSync(join(ASSETS_DIR, name), target);
	return target;
}
