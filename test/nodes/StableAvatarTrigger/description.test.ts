/** What the trigger's panel tells a new user: when it fires, how to test it, how to put it live on n8n 1.x and 2.x. */
import type { TriggerPanelDefinition } from 'n8n-workflow';

import { StableAvatarTrigger } from '../../../nodes/StableAvatarTrigger/StableAvatarTrigger.node';

const { description } = new StableAvatarTrigger();
const panel = description.triggerPanel as TriggerPanelDefinition;
const help = panel.executionsHelp as { active: string; inactive: string };

test('the trigger panel says how to test with the Test URL and how to go live, naming Publish (2.x) and Active (1.x)', () => {
	expect(panel.header).toMatch(/fal job/);
	expect(help.inactive).toContain('Test URL');
	expect(help.inactive).toContain('Production URL');
	expect(help.inactive).toMatch(/n8n 2\.x: <i>Publish<\/i>; n8n 1\.x: the <i>Active<\/i> switch/);
	expect(help.active).toContain('Production URL');
	expect(panel.activationHint).toMatch(/Publish.*Active/);
});

test('the setup notice names publishing, not only activating', () => {
	const notice = description.properties.find((p) => p.name === 'setupNotice')!;
	expect(notice.displayName).toMatch(/publish this workflow \(n8n 1\.x: activate it\)/);
	expect(notice.displayName).toContain('Test URL');
});
