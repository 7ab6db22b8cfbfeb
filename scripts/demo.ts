/**
 * `npm run demo`: runs the example workflows in examples/ through the Stable Avatar node inside n8n's
 * real execution engine, against the local fal emulator, with the portrait and speech clip the repo
 * ships. Writes the MP4s to demo-output/ and says where. No fal key, no network. A batch submitted
 * with a webhook goes to the Stable Avatar Trigger, served on 127.0.0.1 as n8n would serve it: each
 * finished job arrives there signed, and its video is saved as <reference>.mp4.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = resolve(__dirname, '..');
const outputFolder = join(root, 'demo-output');
const assetsFolder = join(root, 'examples', 'assets');
mkdirSync(outputFolder, { recursive: true });
// n8n's Read/Write Files node may only touch folders it is allowed to; allow exactly these two.
process.env.N8N_RESTRICT_FILE_ACCESS_TO = [assetsFolder, outputFolder].join(';');

import type { IDataObject, INode } from 'n8n-workflow';

import { startFalEmulator } from '../test/emulator';
import { withLocalSamples } from '../test/emulator/samples';
import { errorOf, outputOf, runWorkflow, useFilesystemBinaryStorage, type WorkflowDefinition } from '../test/harness/engine';
import { binaryBytes } from '../test/harness/fal';
import { startTriggerServer, type TriggerServer } from '../test/harness/webhook';

/** How long the demo waits for fal's deliveries to reach the trigger. */
const DELIVERY_WAIT_MS = 60_000;

/** What each example's Settings node points at, replaced by this repo's own files. */
const settingsForDemo: Record<string, string> = {
	outputFolder,
	imageFile: join(assetsFolder, 'portrait.png'),
	audioFile: join(assetsFolder, 'speech.mp3'),
	speechFile: join(assetsFolder, 'speech.mp3'),
};

interface Example extends WorkflowDefinition {
	name: string;
}

async function main() {
	// With ffmpeg installed, the emulator renders the uploaded portrait and speech into the video.
	const fal = await startFalEmulator({ apiKeys: ['demo-key'], runMs: 1_500, renderWithFfmpeg: true });
	await useFilesystemBinaryStorage();
	const credentials = { apiKey: 'demo-key', baseUrl: fal.url };
	const trigger = await startTriggerServer({ credentials });
	settingsForDemo.webhookUrl = trigger.url;
	console.log(`fal emulator listening on ${fal.url}; Stable Avatar Trigger on ${trigger.url}\n`);
	let failures = 0;
	try {
		for (const file of runnableExamples()) {
			const example = loadExample(file, fal.url);
			process.stdout.write(`▶ ${example.name} (examples/${file})\n`);
			const run = await runWorkflow(example, credentials);
			if (run.status !== 'success') {
				failures++;
				const failed = example.nodes.find((node) => errorOf(run, node.name));
				console.log(`  ✗ ${run.status}: ${errorOf(run, failed?.name ?? '')?.message ?? 'unknown error'}\n`);
				continue;
			}
			const submitted: string[] = [];
			for (const node of example.nodes.filter((candidate) => candidate.type.endsWith('.stableAvatar'))) {
				for (const item of outputOf(run, node.name)) {
					console.log(`  ✓ fal request ${String(item.json.requestId)}`);
					if (String(item.json.webhookUrl).startsWith(trigger.url)) submitted.push(String(item.json.requestId));
				}
			}
			if (submitted.length > 0 && !(await saveDeliveredVideos(trigger, submitted))) failures++;
			console.log();
		}
	} finally {
		await trigger.close();
		await fal.close();
	}
	reportVideos();
	process.exitCode = failures > 0 ? 1 : 0;
}

/** Waits for the trigger's executions of these jobs and writes each video as <reference>.mp4. */
async function saveDeliveredVideos(trigger: TriggerServer, requestIds: string[]): Promise<boolean> {
	const deadline = Date.now() + DELIVERY_WAIT_MS;
	const delivered = () => trigger.executions.map((execution) => execution.items[0]).filter((item) => requestIds.includes(String(item.json.requestId)));
	while (delivered().length < requestIds.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
	for (const item of delivered()) {
		const video = item.binary?.data;
		if (item.json.error || !video) {
			console.log(`  ✗ trigger: ${String(item.json.requestId)} arrived without a video: ${JSON.stringify(item.json.error)}`);
			return false;
		}
		const path = join(outputFolder, `${String(item.json.reference)}.mp4`);
		writeFileSync(path, await binaryBytes(video));
		console.log(`  ✓ the Stable Avatar Trigger received ${String(item.json.requestId)} (reference ${String(item.json.reference)}) → ${path}`);
	}
	const missing = requestIds.length - delivered().length;
	if (missing > 0) console.log(`  ✗ ${missing} of ${requestIds.length} deliveries did not reach the trigger within ${DELIVERY_WAIT_MS / 1000} s`);
	return missing === 0;
}

/**
 * Every example a person starts by hand. Those that wait for a webhook (a Webhook trigger, a Wait node
 * resumed by fal) need a running n8n server: `npm run e2e` runs them.
 */
function runnableExamples(): string[] {
	const needsServer = ['n8n-nodes-base.webhook', 'n8n-nodes-base.wait'];
	return readdirSync(join(root, 'examples'))
		.filter((file) => file.endsWith('.json'))
		.filter((file) => {
			const types = (JSON.parse(readFileSync(join(root, 'examples', file), 'utf8')) as Example).nodes.map((node) => node.type);
			return types.includes('n8n-nodes-base.manualTrigger') && !types.some((type) => needsServer.includes(type));
		});
}

function loadExample(file: string, emulatorUrl: string): Example {
	const workflow = JSON.parse(withLocalSamples(readFileSync(join(root, 'examples', file), 'utf8'), emulatorUrl)) as Example;
	for (const node of workflow.nodes) if (node.name === 'Settings') pointSettingsAtThisRepo(node);
	return workflow;
}

function pointSettingsAtThisRepo(node: INode) {
	const assignments = ((node.parameters.assignments as IDataObject)?.assignments ?? []) as Array<{ name: string; value: unknown }>;
	for (const assignment of assignments) {
		if (assignment.name in settingsForDemo) assignment.value = settingsForDemo[assignment.name];
	}
}

function reportVideos() {
	const videos = readdirSync(outputFolder).filter((file) => file.endsWith('.mp4'));
	console.log(`${videos.length} video(s) in ${outputFolder}:`);
	for (const video of videos) {
		const path = join(outputFolder, video);
		console.log(`  ${path} (${statSync(path).size} bytes${probe(path)})`);
	}
}

/** ffprobe's view of the file, when ffprobe is installed. */
function probe(path: string): string {
	const result = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', path], {
		encoding: 'utf8',
	});
	return result.status === 0 ? `, video ${result.stdout.trim()}` : '';
}

void main();
