/** What the browser scenarios share: the e2e stage plus the running editor and the example opened in it. */
import type { ScenarioResult } from '../report';
import type { Stage } from '../stage';

export interface BrowserStage extends Stage {
	/** The report's "mode" column for these rows. */
	mode: string;
	/** The example workflow imported into this n8n, with its Settings pointing at this run's files. */
	example: { id: string; file: string };
	/** Opens the example in the editor (a clean canvas for each scenario). */
	openExample(): Promise<void>;
	/** One row of the report; a failure comes with a screenshot of what the editor showed. */
	scenario(name: string, run: () => Promise<ScenarioResult>): Promise<void>;
	/** Lines printed after the table: what was searched and found. */
	summary: string[];
}
