/**
 * Properties of the node as an AI Agent's tool ("Stable Avatar Tool"). `displayOptions.show['@tool']`
 * shows a property only on the tool node type (n8n 1.123 and 2.x both evaluate it), so the ordinary
 * node keeps its own. In tool mode the model fills two URLs; everything else is the user's.
 */
import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

/** $10: 100 seconds of video, a few short clips or one long one. An agent loop could otherwise spend $30 a call, ten calls a run. */
export const DEFAULT_TOOL_BUDGET_USD = 10;

/**
 * As a tool, a job may wait 30 minutes in fal's queue (not 12 hours): someone waits on the agent's
 * answer. A job still queued then is cancelled, which costs nothing, and the model is told to try later.
 */
export const TOOL_MAX_QUEUE_WAIT_MINUTES = 30;

/** What the model reads about the tool: what to pass, what comes back, how long and how much. */
export const TOOL_DESCRIPTION =
	'Makes a talking-avatar video (MP4): the person in a portrait image speaks the words of a speech recording. ' +
	'Arguments: image_url, a public http(s) URL of the portrait (PNG, JPEG or WebP); audio_url, a public http(s) URL of the speech (MP3, WAV, M4A, OGG or FLAC), at most 5 minutes long. ' +
	'Both must open without a login. Returns JSON with video.url (the MP4 to show or pass on), requestId and cost.usd. ' +
	'A call takes minutes (often several; long audio longer) and costs $0.10 per second of audio (at least $0.40), billed to the user. ' +
	'Each call starts a new paid job: call it once per video, and do not call it again for the same video after it returned a requestId. ' +
	'If it refuses a call, read the message: it says why and what to do.';

const TOOL_ONLY = { show: { '@tool': [true] } };
const NOT_AS_TOOL = { hide: { '@tool': [true] } };

function fromAI(key: string, description: string): string {
	return `={{ $fromAI('${key}', '${description.replace(/'/g, "\\'")}', 'string') }}`;
}

export const toolModeProperties: INodeProperties[] = updateDisplayOptions(TOOL_ONLY, [
	{
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		typeOptions: { rows: 4 },
		default: TOOL_DESCRIPTION,
		required: true,
		description: 'What the model reads about this tool. The default says what it needs, what it returns, how long it takes and what it costs.',
	},
	{
		// Only Generate: one call does the whole job and returns the video URL. Submit's webhook has no
		// agent to call back; Get Status/Get Result would have a model poll and spend its iterations;
		// Cancel by a request ID the model chose could stop jobs of other workflows.
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Generate',
				value: 'generate',
				action: 'Generate a talking avatar video',
				description: 'Render the video and wait for it; the model gets its URL, request ID and cost',
			},
		],
		default: 'generate',
	},
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		default: fromAI('image_url', 'Public http(s) URL of the portrait image (PNG, JPEG or WebP) of the person who speaks'),
		required: true,
		description: 'Left to the model by default. A fixed portrait URL works too.',
	},
	{
		displayName: 'Audio URL',
		name: 'audioUrl',
		type: 'string',
		default: fromAI('audio_url', 'Public http(s) URL of the speech recording (MP3, WAV, M4A, OGG or FLAC), at most 5 minutes'),
		required: true,
		description: 'Left to the model by default. Its length is read before anything is submitted: over five minutes, or unreadable, the call is refused.',
	},
	{
		displayName: 'Budget per Execution (USD)',
		name: 'toolBudgetUsd',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: DEFAULT_TOOL_BUDGET_USD,
		description:
			"The most this tool may spend, by estimate ($0.10 per second of audio), in one run of the workflow, over all the agent's calls. A call that would go over it is refused before anything is submitted, and the model is told what was spent.",
	},
]);

/** The ordinary node's own properties that tool mode replaces. */
const REPLACED_IN_TOOL_MODE = new Set(['operation', 'imageSource', 'imageUrl', 'imageBinaryProperty', 'audioSource', 'audioUrl', 'audioBinaryProperty']);

/** The node's properties with the tool's own first; those they replace are hidden in tool mode. */
export function withToolMode(properties: INodeProperties[]): INodeProperties[] {
	const hidden = properties.map((property) => (REPLACED_IN_TOOL_MODE.has(property.name) ? updateDisplayOptions(NOT_AS_TOOL, [property])[0] : property));
	return [...toolModeProperties, ...hidden];
}
