/**
 * The example workflows' sample inputs: fal's sample portrait and speech, on fal's sample host. Tests,
 * the demo and the end-to-end runs read them from the emulator instead (the repo's own portrait and
 * speech under `/files/samples/`), since the node reads audio URLs and nothing may be fetched beyond
 * 127.0.0.1.
 */
import { join } from 'node:path';

export const SAMPLE_FILES = {
	'portrait.png': { contentType: 'image/png', fal: 'https://storage.googleapis.com/falserverless/example_inputs/stable-avatar-input-image.png' },
	'speech.mp3': { contentType: 'audio/mpeg', fal: 'https://storage.googleapis.com/falserverless/example_inputs/stable-avatar-input-audio.mp3' },
} as const;

export type SampleName = keyof typeof SAMPLE_FILES;

export const SAMPLES_DIR = join(__dirname, '..', '..', 'examples', 'assets');

/** The emulator's copy of a sample input. */
export function sampleUrl(emulatorUrl: string, name: SampleName): string {
	return `${emulatorUrl}/files/samples/${name}`;
}

/** A workflow's JSON text with fal's sample URLs pointing at the emulator's copies. */
export function withLocalSamples(workflowJson: string, emulatorUrl: string): string {
	let text = workflowJson;
	for (const [name, sample] of Object.entries(SAMPLE_FILES)) text = text.split(sample.fal).join(sampleUrl(emulatorUrl, name as SampleName));
	return text;
}
