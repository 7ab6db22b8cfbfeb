/**
 * `npm run dev`: the n8n editor on http://localhost:5678 with this package freshly built and installed,
 * a "fal account" credential pointing at the local fal emulator (no fal key, no cost), and the example
 * workflows. Ctrl-C stops everything. n8n's data stays in the cache folder between runs; an example
 * that is new or changed in examples/ is imported again (replacing its copy in n8n), the others are
 * left as you edited them. `npm run dev -- --fresh` starts over.
 *
 *   DEV_PORT=5678       editor port
 *   DEV_JOB_SECONDS=8   how long each emulated job renders
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

import { ASSETS_DIR, cacheDir, EXAMPLES_DIR } from '../test/e2e/config';
import { startEmulator } from '../test/e2e/emulator';
import { n8nEnv, N8nCli, ownerEnv, startMain } from '../test/e2e/n8n';
import { buildAndPack, installIntoUserFolder } from '../test/e2e/package';
import { freePort, ProcessGroup, stopOnExit } from '../test/e2e/processes';
import { ensureToolchain } from '../test/e2e/toolchain';
import { triggerUrlOf } from '../test/e2e/trigger-site';
import { EXAMPLES, falCredential, loadExample, WEBHOOK_AUTH, webhookCredential, withSettings } from '../test/e2e/workflows';

const PORT = Number(process.env.DEV_PORT ?? 5678);
const JOB_SECONDS = Number(process.env.DEV_JOB_SECONDS ?? 8);
const OWNER = { email: 'dev@example.com', password: 'stable-avatar-dev' };
const DEV_DIR = join(cacheDir(), 'dev');

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs until n8n exits; Ctrl-C ends the process through stopOnExit. */
async function runDev(group: ProcessGroup): Promise<void> {
	if (process.argv.includes('--fresh')) rmSync(DEV_DIR, { recursive: true, force: true });
	const userFolder = join(DEV_DIR, 'n8n');
	const filesDir = join(DEV_DIR, 'files');
	const logDir = join(DEV_DIR, 'logs');
	for (const folder of [userFolder, filesDir, logDir]) mkdirSync(folder, { recursive: true });

	const toolchain = await ensureToolchain(group, log);
	log('building and installing the package…');
	const tarball = await buildAndPack(group, logDir);
	await installIntoUserFolder(group, toolchain, tarball, userFolder);
	const { client: emulator } = await startEmulator(group, logDir, { runMs: JOB_SECONDS * 1000 });

	const env = n8nEnv(toolchain, {
		userFolder,
		fileAccessDirs: [filesDir],
		brokerPort: await freePort(),
		port: PORT,
		extra: { ...ownerEnv(toolchain, OWNER), N8N_SECURE_COOKIE: 'false', N8N_LOG_LEVEL: 'warn' },
	});
	const cli = new N8nCli(group, toolchain, env, logDir);
	// Every run: the emulator listens on a new port.
	await cli.importCredentials([falCredential(emulator.url), webhookCredential()]);
	await importExamples(cli, filesDir);

	log('starting n8n…');
	const n8nLog = join(logDir, 'n8n.log');
	const n8n = await startMain(group, toolchain, env, n8nLog);
	log(
		[
			'',
			`n8n editor:    http://localhost:${PORT}   (log in as ${OWNER.email} / ${OWNER.password})`,
			`fal emulator:  ${emulator.url}   (jobs take ${JOB_SECONDS} s; the "fal account" credential points here)`,
			`files:         ${filesDir}   (the examples read and write here)`,
			`webhook:       publish the webhook example, then POST to http://localhost:${PORT}/webhook/stable-avatar with ${WEBHOOK_AUTH.header}: ${WEBHOOK_AUTH.value}`,
			`trigger:       publish on-video-finished, then run batch-submit: each finished job starts one execution of the trigger`,
			`submit-wait:   the emulator calls the execution's resume URL (http://127.0.0.1:${PORT}/webhook-waiting/…) when the job ends`,
			`logs:          ${logDir}`,
			'Ctrl-C stops everything.',
		].join('\n'),
	);
	const code = await n8n.exited;
	log(`n8n stopped (exit code ${code}); its log: ${n8nLog}`);
}

/**
 * The examples, with their Settings pointing at the files folder, where the sample portrait and speech
 * are. Imported when new or changed in examples/ since the last import (which replaces the copy in
 * n8n, by id); the others stay as edited in the editor.
 */
async function importExamples(cli: N8nCli, filesDir: string): Promise<void> {
	for (const asset of ['portrait.png', 'speech.mp3']) {
		if (!existsSync(join(filesDir, asset))) copyFileSync(join(ASSETS_DIR, asset), join(filesDir, asset));
	}
	const outputFolder = filesDir;
	const withFiles: Record<keyof typeof EXAMPLES, (workflow: IWorkflowBase) => IWorkflowBase> = {
		speech: (workflow) => withSettings(workflow, { speechFile: join(filesDir, 'speech.mp3'), outputFolder }),
		batch: (workflow) => withSettings(workflow, { outputFolder }),
		binary: (workflow) =>
			withSettings(workflow, { imageFile: join(filesDir, 'portrait.png'), audioFile: join(filesDir, 'speech.mp3'), outputFolder }),
		webhook: (workflow) => withSettings(workflow, { outputFolder }),
		submitWait: (workflow) => withSettings(workflow, { outputFolder }),
		batchSubmit: (workflow) => withSettings(workflow, { webhookUrl: triggerUrlOf(withDevWebhookId(loadExample(EXAMPLES.onVideoFinished)), `http://127.0.0.1:${PORT}`) }),
		onVideoFinished: (workflow) => withSettings(withDevWebhookId(workflow), { outputFolder }),
	};
	const stampFile = join(DEV_DIR, 'n8n', 'imported-examples.json'); // goes with n8n's data
	const imported = (existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {}) as Record<string, string>;
	const current = Object.fromEntries(
		Object.values(EXAMPLES).map((file) => [file, createHash('sha256').update(readFileSync(join(EXAMPLES_DIR, file))).digest('hex')]),
	);
	const due = (Object.keys(EXAMPLES) as Array<keyof typeof EXAMPLES>).filter((key) => imported[EXAMPLES[key]] !== current[EXAMPLES[key]]);
	if (due.length === 0) return;
	log(`importing ${due.map((key) => EXAMPLES[key]).join(', ')} (new or changed in examples/)…`);
	await cli.importWorkflows(due.map((key) => withFiles[key](loadExample(EXAMPLES[key]))));
	writeFileSync(stampFile, JSON.stringify({ ...imported, ...Object.fromEntries(due.map((key) => [EXAMPLES[key], current[EXAMPLES[key]]])) }, null, 2));
}

/** The examples ship no webhookId; the local dev n8n keeps one fixed trigger path so batch-submit finds it across imports. */
const DEV_TRIGGER_WEBHOOK_ID = '0d3f5e7a-1b2c-4d6e-8f90-a1b2c3d4e5f6';

function withDevWebhookId(workflow: IWorkflowBase): IWorkflowBase {
	for (const node of workflow.nodes) if (node.type.endsWith('.stableAvatarTrigger')) node.webhookId = DEV_TRIGGER_WEBHOOK_ID;
	return workflow;
}

async function main(): Promise<void> {
	const group = new ProcessGroup();
	stopOnExit(group);
	try {
		await runDev(group);
	} finally {
		await group.stopAll();
	}
}

main().then(
	() => process.exit(1),
	(error: Error) => {
		process.stderr.write(`${error.stack ?? error.message}\n`);
		process.exit(1);
	},
);
