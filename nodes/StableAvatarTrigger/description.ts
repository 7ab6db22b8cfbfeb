/** The trigger's fields: one event, and two switches (download the video, verify fal's signature). */
import type { INodeProperties, TriggerPanelDefinition } from 'n8n-workflow';

/**
 * What the editor's trigger panel says ("When will this node trigger my flow?"), instead of n8n's
 * generic "make an event happen". The node cannot tell n8n's version, so both buttons are named:
 * 2.x publishes a workflow, 1.x activates it.
 */
export const triggerPanel: TriggerPanelDefinition = {
	header: 'Starts when a fal job submitted with this node\'s URL ends',
	executionsHelp: {
		inactive:
			'<b>To test</b>: click <i>Execute step</i> (n8n 1.x: <i>Listen for test event</i>), then run a Stable Avatar node (Submit) whose Webhook URL is this node\'s <b>Test URL</b>. The Test URL takes one delivery, while the editor listens, so use a short clip.<br /><br /><b>For real</b>: put the <b>Production URL</b> (under <i>Webhook URLs</i>, switch to Production) into Submit\'s Webhook URL and publish this workflow (n8n 2.x: <i>Publish</i>; n8n 1.x: the <i>Active</i> switch). Each video then starts one execution, shown under Executions.',
		active:
			'This workflow is live: each fal job submitted with the <b>Production URL</b> (under <i>Webhook URLs</i>) starts one execution when it ends, shown under Executions. To try a change, click <i>Execute step</i> (n8n 1.x: <i>Listen for test event</i>) and submit a short job with the <b>Test URL</b>.',
	},
	activationHint:
		'When it works, publish the workflow (n8n 2.x: <i>Publish</i>; n8n 1.x: <i>Active</i>) and give Submit the Production URL: then every finished video starts this workflow without the editor open.',
};

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'Paste this node\'s Production URL (Webhook URLs above, switch to Production) into the Webhook URL of a Stable Avatar node (Submit), then publish this workflow (n8n 1.x: activate it). Each job fal finishes starts one execution here, finished or failed. To test, use the Test URL while listening for a test event.',
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
