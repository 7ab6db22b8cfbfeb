/** How the node runs jobs, as opposed to what the model renders. */
import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_ENDPOINT_ID } from '../transport/urls';

/**
 * Two hours of rendering (counted from the job's start, not its submission): a five-minute video is
 * 7,500 frames, and on fal a 5-second clip already takes minutes.
 */
export const DEFAULT_TIMEOUT_MINUTES = 120;
/**
 * Twelve hours in fal's queue: a nightly batch on a busy account (two running jobs for new accounts)
 * gets its turn. A queued job costs nothing; when the wait runs out it is cancelled, still free.
 */
export const DEFAULT_MAX_QUEUE_WAIT_MINUTES = 720;
/**
 * fal decides how many jobs run (it queues the rest, for free): the node sends every item of a usual
 * batch at once. The limit protects this machine: each item in flight holds a little memory, a status
 * poll now and then while queued and a connection while it runs.
 */
export const DEFAULT_MAX_CONCURRENT_JOBS = 100;
export const MAX_CONCURRENT_JOBS_LIMIT = 1000;

const endpointId: INodeProperties = {
	displayName: 'Endpoint ID',
	name: 'endpointId',
	type: 'string',
	default: DEFAULT_ENDPOINT_ID,
	description: 'The fal endpoint that runs the model. Change it only if the model is deployed under another ID.',
};

const maxConcurrentJobs: INodeProperties = {
	displayName: 'Max Concurrent Jobs',
	name: 'maxConcurrentJobs',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: MAX_CONCURRENT_JOBS_LIMIT, numberPrecision: 0 },
	default: DEFAULT_MAX_CONCURRENT_JOBS,
	description:
		"How many items this node has in flight at once. fal runs as many as your account allows and queues the rest for free, so the default sends a whole usual batch at once.",
};

const maxQueueWaitMinutes: INodeProperties = {
	displayName: 'Max Queue Wait (Minutes)',
	name: 'maxQueueWaitMinutes',
	type: 'number',
	typeOptions: { minValue: 0.01 },
	default: DEFAULT_MAX_QUEUE_WAIT_MINUTES,
	description:
		"How long a job may wait in fal's queue before it starts (jobs beyond your account's limit wait there, for free). When it runs out, the job is cancelled while still queued, which costs nothing.",
};

const maxCostUsd: INodeProperties = {
	displayName: 'Max Estimated Cost (USD)',
	name: 'maxCostUsd',
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 2 },
	default: 10,
	description:
		"Refuse the whole run, before anything is uploaded or submitted, when its estimated cost is higher: $0.10 per second of audio (at least 4 s), and the five-minute maximum ($30) for audio whose length cannot be read",
};

const checkAudioUrlLength: INodeProperties = {
	displayName: 'Check Audio URL Length',
	name: 'checkAudioUrlLength',
	type: 'boolean',
	default: true,
	description:
		"Whether to read the first 64 KiB of an audio URL (one range request to the audio's host) for its length, so audio over five minutes is refused and the cost is known before anything is submitted. Off: nothing is asked of that host, over-long audio reaches fal, and under a cap the item counts at $30.",
};

const oncePerKey: INodeProperties = {
	displayName: 'Once Per Key',
	name: 'oncePerKey',
	type: 'string',
	default: '',
	placeholder: '{{ $json.rowKey }}',
	hint: 'For scheduled runs: an item whose key was submitted before (by any run of this workflow) gets no new job and comes out with skipped: alreadySubmitted',
	description:
		"An expression naming each item, e.g. the row's ID. A key is claimed before anything is submitted and released if the item ends without a job, so a failed row is tried again. Empty: off.",
};

const downloadVideo: INodeProperties = {
	displayName: 'Download Video',
	name: 'downloadVideo',
	type: 'boolean',
	default: true,
	description: 'Whether to download the video into binary data; when off, only its URL is returned',
};

const outputBinaryProperty: INodeProperties = {
	displayName: 'Output Binary Field',
	name: 'outputBinaryProperty',
	type: 'string',
	default: 'data',
	description: 'The name of the binary field to put the video in',
};

const timeoutMinutes: INodeProperties = {
	displayName: 'Timeout (Minutes)',
	name: 'timeoutMinutes',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: DEFAULT_TIMEOUT_MINUTES,
	description:
		"How long a job may render, counted from the moment it leaves fal's queue (time in the queue is bounded by Max Queue Wait). The default suits five-minute videos.",
};

const onTimeout: INodeProperties = {
	displayName: 'On Timeout',
	name: 'onTimeout',
	type: 'options',
	options: [
		{
			name: 'Cancel the Job',
			value: 'cancel',
			description: 'Ask fal to cancel the job and fail the item. A job that is still rendering may run on, and bill, to its end.',
		},
		{
			name: 'Return the Request ID',
			value: 'returnRequestId',
			description: 'Leave the job running on fal and output its request ID, to fetch later with Get Result',
		},
	],
	default: 'cancel',
	description: 'What to do when a job takes longer than Timeout (Minutes)',
};

/**
 * The Advanced Options of each operation, in the order a user decides them: what a run may cost, how
 * long to wait, what comes out, then the machine-level knobs. The editor lists them in this order
 * (not alphabetically). Adding an option is adding one entry (an object above) to the lists below.
 * Each option keeps its name (`advancedOptions.<name>` in workflow JSON) whatever its place.
 */
function advancedOptions(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Advanced Options', name: 'advancedOptions', type: 'collection', placeholder: 'Add Option', default: {}, options };
}

export const generateJobOptions = advancedOptions([
	maxCostUsd,
	checkAudioUrlLength,
	oncePerKey,
	timeoutMinutes,
	onTimeout,
	maxQueueWaitMinutes,
	downloadVideo,
	outputBinaryProperty,
	maxConcurrentJobs,
	endpointId,
]);

/** Get Status and Cancel make one call per item: nothing to cap or throttle. */
export const endpointOnlyOptions = advancedOptions([endpointId]);

export const submitJobOptions = advancedOptions([maxCostUsd, checkAudioUrlLength, oncePerKey, maxConcurrentJobs, endpointId]);

export const resultOptions = advancedOptions([downloadVideo, outputBinaryProperty, maxConcurrentJobs, endpointId]);

/**
 * Generate and Submit spend money: the cap is said where the user sets up the run, not only inside
 * Advanced Options. It also keeps the model's Options and the Advanced Options apart.
 */
export const spendCapNotice: INodeProperties = {
	displayName:
		'Cost: fal bills $0.10 per second of video (the length of the audio). To cap a run, add Max Estimated Cost (USD) under Advanced Options ($10 when added): a run whose estimate is above it is refused before anything is uploaded or submitted.',
	name: 'spendCapNotice',
	type: 'notice',
	default: '',
};

export const requestIdProperty: INodeProperties = {
	displayName: 'Request ID',
	name: 'requestId',
	type: 'string',
	default: '',
	required: true,
	placeholder: '764cabcf-b745-4b3e-ae38-1200304cf45b',
	hint: 'The requestId that Submit or Generate output for the job (also named in every error after a job was submitted). Drag it in from the input, or use {{ $json.requestId }}.',
	description: 'The request ID fal gave the job when it was submitted',
};
