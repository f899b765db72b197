// The public API of the docknet core.
export * from './model/types';
export * from './model/schema';
export * from './model/resources';
export { loadSpecs, loadDocuments, specFiles, type SpecDocument } from './spec/load';
export { validateStacks, type ValidateOptions } from './spec/validate';
export type { PruneScope, PlanOptions } from './plan/planner';
export { SpecError, formatIssue, type SpecIssue } from './spec/errors';
export type { Action, Plan } from './plan/actions';
export { renderPlan, planJson, summarize } from './plan/render';
export { ApplyError, type ProgressEvent } from './apply/apply';
export { Docknet, type DocknetOptions, type ApplyResult } from './docknet';
export { importCompose, type ImportOptions, type ImportResult, type ImportIssue } from './compose/import';
