/** The trigger's fields: one event, and two switches (download the video, verify fal's signature). */
import type { INodeProperties } from 'n8n-workflow';

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'Paste this node\'s Production URL into the Webhook URL of a Stable Avatar node (Submit), then activate this workflow. Each job fal finishes starts one execution here, finished or failed.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Event',
		name: 'events',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Video Finished',
				value: 'videoFinished',
				description: 'A fal job ended: its video, or the reason it failed',
			},
		],
		default: 'videoFinished',
	},
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: true,
		description: 'Whether to download the video into the binary field "data". Off: the item carries only the video URL.',
	},
	{
		displayName: 'Verify Signature',
		name: 'verifySignature',
		type: 'boolean',
		default: true,
		description: 'Whether to accept only deliveries signed by fal (Ed25519, checked against fal\'s published keys)',
	},
	{
		displayName:
			'Signature verification is OFF: anyone who knows this URL can start this workflow with a made-up video. Turn it back on unless a proxy in front of n8n verifies fal\'s signature.',
		name: 'unverifiedNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { verifySignature: [false] } },
	},
];
