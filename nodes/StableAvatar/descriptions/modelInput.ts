/** What the user sets for the model: the fields of fal-ai/stable-avatar's input, with fal's ranges. */
import type { INodeProperties } from 'n8n-workflow';

export const DEFAULT_PROMPT =
	"A person is in a relaxed pose. As the video progresses, the character speaks while arm and body movements are minimal and consistent with a natural speaking posture. Hand movements remain minimal. Don't blink too often. Preserve background integrity matching the reference image's spatial configuration, lighting conditions, and color temperature.";

/** fal's documented ranges; checked before submitting because expressions can produce anything. */
export const NUMBER_RANGES = {
	guidanceScale: { field: 'guidance_scale', label: 'Guidance Scale', min: 1, max: 10, integer: false },
	audioGuidanceScale: { field: 'audio_guidance_scale', label: 'Audio Guidance Scale', min: 0, max: 10, integer: false },
	numInferenceSteps: { field: 'num_inference_steps', label: 'Inference Steps', min: 10, max: 50, integer: true },
	perturbation: { field: 'perturbation', label: 'Perturbation', min: 0, max: 1, integer: false },
	seed: { field: 'seed', label: 'Seed', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
} as const;

export type NumberOption = keyof typeof NUMBER_RANGES;

export const ASPECT_RATIOS = ['auto', '16:9', '1:1', '9:16'] as const;

/** Image and audio each come from a URL or from binary data of an earlier node. */
function mediaSource(kind: 'image' | 'audio'): INodeProperties[] {
	const label = kind === 'image' ? 'Image' : 'Audio';
	const what = kind === 'image' ? 'portrait to animate' : 'speech that drives the video';
	// A portrait is usually a fixed URL; the speech usually comes from a text-to-speech node's binary `data`.
	const defaultSource = kind === 'image' ? 'url' : 'binary';
	const defaultBinaryField = kind === 'image' ? 'image' : 'data';
	return [
		{
			displayName: `${label} Source`,
			name: `${kind}Source`,
			type: 'options',
			options: [
				{ name: 'URL', value: 'url', description: `A public http(s) URL of the ${what}` },
				{ name: 'Binary Data', value: 'binary', description: `The ${what} as binary data from an earlier node` },
			],
			default: defaultSource,
		},
		{
			displayName: `${label} URL`,
			name: `${kind}Url`,
			type: 'string',
			default: '',
			required: true,
			placeholder: kind === 'image' ? 'https://example.com/portrait.png' : 'https://example.com/speech.mp3',
			hint:
				kind === 'image'
					? 'A public http(s) link fal can open without logging in (PNG, JPEG or WebP). For a file from an earlier node, set Image Source to Binary Data.'
					: 'A public http(s) link fal can open without logging in (MP3, WAV, M4A…). For speech from an earlier node, set Audio Source to Binary Data.',
			description: `Public http(s) URL of the ${what}`,
			displayOptions: { show: { [`${kind}Source`]: ['url'] } },
		},
		{
			displayName: `${label} Input Binary Field`,
			name: `${kind}BinaryProperty`,
			type: 'string',
			default: defaultBinaryField,
			required: true,
			hint: `The name of the input binary field holding the ${what}`,
			description: `It is uploaded to fal storage and passed to the model by URL. Must be ${kind === 'image' ? 'an image' : 'an audio file'}.`,
			displayOptions: { show: { [`${kind}Source`]: ['binary'] } },
		},
	];
}

export const modelInputProperties: INodeProperties[] = [
	...mediaSource('image'),
	...mediaSource('audio'),
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		// A value, not a placeholder: fal requires a prompt and this is fal's own default for the model,
		// so a new node renders well untouched, a tool (which sends the field's value as it is) sends
		// a prompt that works, and workflows saved with the default (n8n stores no default values)
		// keep sending exactly this.
		default: DEFAULT_PROMPT,
		required: true,
		hint: "fal's recommended prompt: describe the motion and the scene, not the words (the audio drives the lips). Keep it, or edit it.",
		description: 'How the person should behave while speaking. The default asks for a calm, natural speaking posture.',
	},
	{
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: [
			{ name: 'Auto (From the Image)', value: 'auto' },
			{ name: 'Landscape 16:9 (832×480)', value: '16:9' },
			{ name: 'Square 1:1 (512×512)', value: '1:1' },
			{ name: 'Portrait 9:16 (480×832)', value: '9:16' },
		],
		default: 'auto',
		description: 'Shape of the video',
	},
	{
		// "Model Options": how the model renders, apart from the node's Advanced Options (how jobs run).
		displayName: 'Model Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Model Option',
		default: {},
		options: [
			{
				displayName: 'Audio Guidance Scale',
				name: 'audioGuidanceScale',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10 },
				default: 4,
				description: 'How closely the lips and face follow the audio (0–10)',
			},
			{
				displayName: 'Guidance Scale',
				name: 'guidanceScale',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10 },
				default: 5,
				description: 'How closely the video follows the prompt (1–10)',
			},
			{
				displayName: 'Inference Steps',
				name: 'numInferenceSteps',
				type: 'number',
				typeOptions: { minValue: 10, maxValue: 50, numberPrecision: 0 },
				default: 50,
				description: 'More steps give finer detail and take longer (10–50)',
			},
			{
				displayName: 'Perturbation',
				name: 'perturbation',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1 },
				default: 0.1,
				description: 'How much variation to add: 0 none, 1 full',
			},
			{
				displayName: 'Seed',
				name: 'seed',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				// Empty, not 0: an empty field (or no Seed option at all) lets fal pick a random seed.
				default: null,
				placeholder: 'Random',
				hint: 'Empty: a new random seed each run. A whole number (e.g. 42): the same inputs give the same video again.',
				description: 'Fixes the randomness of the render, so a video can be reproduced',
			},
		],
	},
];
