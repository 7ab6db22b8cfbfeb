/**
 * 7. Upload reuse: 50 items sharing one binary portrait and one binary speech clip (each item its own
 * stored copy, as a Split Out or a loop gives them), through n8n's engine in this process against an
 * in-process emulator (the figure is a count, not a time). Target: the portrait goes up once (and the
 * speech once); today's code uploaded each per item, 50 + 50.
 */
import { join } from 'node:path';

import { startFalEmulator } from '../../test/emulator';
import { outputOf, runWorkflow, useFilesystemBinaryStorage } from '../../test/harness/engine';
import { TEST_API_KEY } from '../../test/harness/fal';
import { AVATAR_NODE, avatarWorkflow } from '../../test/harness/workflows';
import { ROOT } from '../processes';
import type { Row } from '../types';
import type { Scenario } from './scenario';

const ITEMS = 50;
const assets = join(ROOT, 'examples', 'assets');

export const uploads: Scenario = {
	id: 'uploads',
	title: 'Upload reuse',
	async run(ctx) {
		await useFilesystemBinaryStorage();
		const fal = await startFalEmulator({ apiKeys: [TEST_API_KEY], runMs: 100 });
		try {
			const binary = {
				image: { path: join(assets, 'portrait.png'), mimeType: 'image/png', fileName: 'portrait.png' },
				data: { path: join(assets, 'speech.mp3'), mimeType: 'audio/mpeg', fileName: 'speech.mp3' },
			};
			const items = Array.from({ length: ITEMS }, (_, index) => ({ json: { index }, binary }));
			const parameters = { operation: 'generate', imageSource: 'binary', audioSource: 'binary', advancedOptions: { downloadVideo: false, maxConcurrentJobs: ITEMS } };
			const started = Date.now();
			const run = await runWorkflow(avatarWorkflow(items, parameters), { apiKey: TEST_API_KEY, baseUrl: fal.url });
			const wallMs = Date.now() - started;
			const outputs = run.status === 'success' ? outputOf(run, AVATAR_NODE) : [];
			if (outputs.length !== ITEMS || outputs.some((item) => item.json.error !== undefined)) {
				throw new Error(`upload reuse: the run ended ${run.status} with ${outputs.length} of ${ITEMS} items`);
			}
			const count = (contentType: string) => [...fal.uploads.values()].filter((upload) => upload.contentType === contentType).length;
			const images = count('image/png');
			const audio = count('audio/mpeg');
			ctx.progress(`uploads: ${ITEMS} items, ${images} image and ${audio} audio upload(s), ${wallMs} ms`);
			const rows: Row[] = [
				{
					scenario: 'Upload reuse',
					figure: `${ITEMS} items sharing one binary portrait and one binary speech clip: image uploads`,
					value: `${images} (audio uploads: ${audio})`,
					target: '= 1 (before: 50)',
					pass: images === 1 && audio === 1,
					data: { items: ITEMS, imageUploads: images, audioUploads: audio, submits: fal.submits(), wallMs },
				},
			];
			return {
				name: 'Upload reuse',
				emulator: 'in-process, --run-ms 100',
				setup: `${ITEMS} items, each with its own stored copy of examples/assets/portrait.png and speech.mp3 (filesystem binary mode), Generate with binary inputs, Download Video off, Max Concurrent Jobs ${ITEMS}`,
				rows,
				runs: [{ wallMs, imageUploads: images, audioUploads: audio }],
			};
		} finally {
			await fal.close();
		}
	},
};
