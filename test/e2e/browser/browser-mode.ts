/**
 * The editor in a real browser: `n8n start` with the packed package installed (as `npm run dev`
 * sets it up), headless Chromium logged in as the owner, then the nodes panel searches and the
 * example run from the editor. Screenshots go to a folder that outlives the run (printed at the end).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';

import { GENERATE_NODE } from '../checks';
import { ASSETS_DIR, PACKAGE_NAME, REPO_ROOT } from '../config';
import { n8nEnv, N8nCli, ownerEnv, startMain, type Owner } from '../n8n';
import { installIntoUserFolder } from '../package';
import { freePort, type ManagedProcess } from '../processes';
import type { Stage } from '../stage';
import { EXAMPLES, falCredential, loadExample, withSettings } from '../workflows';
import { chromiumPath, launchChromium, newEditorContext } from './chromium';
import { Editor } from './editor';
import { checkCredentialUse } from './credential-use';
import { checkExampleRun } from './example-run';
import { checkFieldWalk } from './field-walk';
import { checkNodeSearch, type PackageNode } from './node-search';
import { checkRunOutcomes } from './run-outcomes';
import type { BrowserStage } from './stage';
import { walkWorkflows } from './walk-workflows';

const MODE = 'browser';
const OWNER: Owner = { email: 'e2e@example.com', password: 'Stable-avatar-e2e-1' };

export interface BrowserRunSummary {
	lines: string[];
	screenshotDir: string;
}

/** Kept after the run (the run folder is deleted when everything passed). */
export function screenshotDir(): string {
	return resolve(process.env.E2E_SCREENSHOTS_DIR || join(REPO_ROOT, '.tmp', 'e2e-browser'));
}

/** The README's screenshots: copies of these, taken by this test, under these names. */
const DOCS_SCREENSHOTS = {
	'search-fal.png': 'nodes-panel-search-fal.png',
	'binary-view-video.png': 'binary-view-video.png',
	'http-request-fal-credential.png': 'http-request-fal-credential.png',
	'credential-help.png': 'credential-help.png',
	'trigger-panel.png': 'trigger-panel.png',
	'submit-hints.png': 'submit-hints.png',
	'advanced-options.png': 'advanced-options.png',
	'cancel-output.png': 'cancel-output.png',
	'error-detail.png': 'error-detail.png',
} as const;
const DOCS_SCREENSHOT_DIR = join(REPO_ROOT, 'docs', 'screenshots');

export interface BrowserOptions {
	/** Refresh the README's screenshots in docs/screenshots/ from this run (only if every browser row passed). */
	docsScreenshots?: boolean;
}

export async function runBrowserMode(stage: Stage, options: BrowserOptions = {}): Promise<BrowserRunSummary> {
	const { report, log } = stage;
	const shots = freshScreenshotDir();
	const summary: BrowserRunSummary = { lines: [], screenshotDir: shots };
	log(`editor in headless Chromium; screenshots go to ${shots}`);
	const dir = join(stage.runDir, MODE);
	const userFolder = join(dir, 'n8n');
	const filesDir = join(dir, 'files');
	for (const folder of [userFolder, filesDir]) mkdirSync(folder, { recursive: true });

	let n8n: ManagedProcess | undefined;
	let browser: Browser | undefined;
	try {
		const example = withSettings(loadExample(EXAMPLES.speech), { speechFile: copyAsset('speech.mp3', filesDir), outputFolder: filesDir });
		let editor: Editor;
		let nodes: PackageNode[];
		try {
			chromiumPath();
			await installIntoUserFolder(stage.group, stage.toolchain, stage.tarball, userFolder);
			const port = await freePort();
			const env = n8nEnv(stage.toolchain, {
				userFolder,
				fileAccessDirs: [filesDir],
				brokerPort: await freePort(),
				port,
				extra: { ...ownerEnv(stage.toolchain, OWNER), N8N_SECURE_COOKIE: 'false' },
			});
			const cli = new N8nCli(stage.group, stage.toolchain, env, dir);
			await cli.importCredentials([falCredential(stage.emulator.url)]);
			await cli.importWorkflows([example, ...walkWorkflows(stage.emulator.url)]);
			n8n = await startMain(stage.group, stage.toolchain, env, join(dir, 'n8n.log'));
			const baseUrl = `http://127.0.0.1:${port}`;
			log(`n8n editor on ${baseUrl}, driven by ${chromiumPath()}`);
			browser = await launchChromium();
			editor = new Editor(await (await newEditorContext(browser, baseUrl)).newPage(), shots);
			await editor.logIn(OWNER);
			// The home page lists the imported example once it has loaded.
			await editor.waitForText(example.name);
			await editor.screenshot('signed-in');
			nodes = await packageNodes(editor);
			if (!nodes.some((node) => !node.trigger)) throw new Error(`The editor loaded no node of ${PACKAGE_NAME}: see ${join(dir, 'n8n.log')}`);
		} catch (error) {
			report.setupFailed(MODE, error);
			return summary;
		}

		const browserStage: BrowserStage = {
			...stage,
			mode: MODE,
			example: { id: example.id as string, file: EXAMPLES.speech },
			// Navigating again for each scenario would cost seconds each; a failed step is cleaned up by the next.
			openExample: async () => {
				if (!new URL(editor.page.url()).pathname.endsWith(`/workflow/${example.id}`)) await editor.openWorkflow(example.id as string, GENERATE_NODE);
			},
			summary: summary.lines,
			scenario: (name, run) => report.scenario(MODE, name, () => run().catch((error: Error) => failedWithScreenshot(editor, name, error))),
		};
		summary.lines.push(`node types of ${PACKAGE_NAME} in the editor: ${nodes.map((node) => node.displayName).join(', ') || 'none'}`);
		await checkNodeSearch(browserStage, editor, nodes);
		await checkExampleRun(browserStage, editor);
		await checkCredentialUse(browserStage, editor);
		await checkRunOutcomes(browserStage, editor);
		// Last: the walk adds an option to a node, and the editor would ask before leaving an edited workflow.
		await checkFieldWalk(browserStage, editor);
		if (options.docsScreenshots) summary.lines.push(copyDocsScreenshots(stage, shots));
	} finally {
		await browser?.close().catch(() => undefined);
		await n8n?.stop();
	}
	return summary;
}

/** The package's nodes as the editor loaded them. */
async function packageNodes(editor: Editor): Promise<PackageNode[]> {
	const response = await editor.restGet('/types/nodes.json');
	if (!response.ok) throw new Error(`/types/nodes.json answered ${response.status}`);
	const types = JSON.parse(response.body.toString('utf8')) as Array<{ name: string; displayName: string; description?: string; group?: string[] }>;
	const names = new Set(types.map((type) => type.name));
	// n8n adds "<node> Tool" for each node usable as an AI agent's tool; it shows only where agents take tools.
	const isToolVariant = (type: { name: string }) => type.name.endsWith('Tool') && names.has(type.name.slice(0, -'Tool'.length));
	const ours = types.filter((type) => type.name.startsWith(`${PACKAGE_NAME}.`) && !isToolVariant(type));
	// nodes.json lists each version of a versioned node; one entry per display name is enough here.
	const byName = new Map(ours.map((type) => [type.displayName, type]));
	return [...byName.values()].map((type) => ({
		displayName: type.displayName,
		description: (type.description ?? '').replace(/\s+/g, ' ').trim(),
		trigger: type.group?.includes('trigger') ?? false,
	}));
}

/** The error, with a screenshot of the editor named in its first line (the line the table shows). */
async function failedWithScreenshot(editor: Editor, scenario: string, error: Error): Promise<never> {
	const [first, ...rest] = error.message.split('\n');
	if (first.includes('.png')) throw error;
	const shot = await editor.screenshot(`failed-${scenario.replace(/\W+/g, '-').replace(/^-|-$/g, '')}`).catch(() => undefined);
	throw new Error([shot ? `${first} (${shot})` : first, ...rest].join('\n'));
}

function copyDocsScreenshots(stage: Stage, shots: string): string {
	if (stage.report.failed) return `docs screenshots: not updated (a row failed)`;
	mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true });
	for (const [suffix, target] of Object.entries(DOCS_SCREENSHOTS)) {
		const taken = readdirSync(shots).find((file) => /^\d\d-/.test(file) && file.slice(3) === suffix);
		if (!taken) return `docs screenshots: not updated (no *-${suffix} taken)`;
		copyFileSync(join(shots, taken), join(DOCS_SCREENSHOT_DIR, target));
	}
	return `docs screenshots: ${Object.values(DOCS_SCREENSHOTS).join(', ')} updated in ${DOCS_SCREENSHOT_DIR}`;
}

/** Screenshots of an earlier run would mislead: the folder holds this run's only. */
function freshScreenshotDir(): string {
	const dir = screenshotDir();
	mkdirSync(dir, { recursive: true });
	for (const file of readdirSync(dir)) if (/^\d\d-.*\.png$/.test(file)) rmSync(join(dir, file));
	return dir;
}

function copyAsset(name: string, folder: string): string {
	const target = join(folder, name);
	if (!existsSync(target)) copyFileSync(join(ASSETS_DIR, name), target);
	return target;
}
