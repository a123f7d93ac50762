// The Backtest page's state, kept at module level so that leaving the page and coming back
// loses nothing: the form, the open report, a sweep in progress and its results, paper runs.

import type { BacktestRunView, PaperRunView, Report, SweepProgress, SweepResult, SweepRunView } from '../../ipc/bindings';
import { BUILTIN_STRATEGIES, emptyForm, type BacktestForm, type CandleDataset, type StrategyChoice } from './report';
import { defaultPaperForm, type PaperForm } from './paper';
import { defaultSweepForm, type SweepForm } from './sweep';

export interface OpenReport {
  run: BacktestRunView;
  report: Report;
  dataset: CandleDataset | null;
}

export const bt = $state<{
  tab: 'backtest' | 'sweep' | 'paper' | 'compare';
  form: BacktestForm;
  sweep: SweepForm;
  open: OpenReport | null;
  busy: boolean;
  runError: string | null;
  sweeping: boolean;
  progress: SweepProgress | null;
  sweepError: string | null;
  sweepOpen: { run: SweepRunView; result: SweepResult } | null;
  compareA: number | null;
  compareB: number | null;
  paper: PaperForm;
  paperRuns: PaperRunView[];
  paperStarting: boolean;
  paperError: string | null;
}>({
  tab: 'backtest',
  form: emptyForm(),
  sweep: defaultSweepForm(BUILTIN_STRATEGIES[0] as StrategyChoice),
  open: null,
  busy: false,
  runError: null,
  sweeping: false,
  progress: null,
  sweepError: null,
  sweepOpen: null,
  compareA: null,
  compareB: null,
  paper: defaultPaperForm(),
  paperRuns: [],
  paperStarting: false,
  paperError: null,
});

/** Back to a fresh page (tests). */
export function resetBacktestState(): void {
  bt.tab = 'backtest';
  bt.form = emptyForm();
  bt.sweep = defaultSweepForm(BUILTIN_STRATEGIES[0] as StrategyChoice);
  bt.open = null;
  bt.busy = false;
  bt.runError = null;
  bt.sweeping = false;
  bt.progress = null;
  bt.sweepError = null;
  bt.sweepOpen = null;
  bt.compareA = null;
  bt.compareB = null;
  bt.paper = defaultPaperForm();
  bt.paperRuns = [];
  bt.paperStarting = false;
  bt.paperError = null;
}
