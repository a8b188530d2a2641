/** Prometheus / OpenMetrics export of any object's maps: plan, config, scrape, text format, HTTP. */
export { planExporter, defaultMetricName, READABLE_MAP_TYPES } from './plan.js';
export type { ExporterPlan, MapPlan, MetricPlan } from './plan.js';
export { parseExporterConfig, exporterConfig } from './config.js';
export type { ExporterConfig, MapConfig, MetricConfig } from './config.js';
export { scrape, scrapeText, scrapeParts } from './scrape.js';
export type { ScrapeOptions, ScrapeResult, ScrapeError } from './scrape.js';
export { serveMetrics, sendMetrics, loadHttp } from './server.js';
export type { ServeOptions } from './server.js';
export { render, renderBytes, renderParts, negotiate, escapeLabelValue, escapeHelp, metricName, labelName, formatValue, CONTENT_TYPE } from './text-format.js';
export type { MetricFamily, MetricType, ExpositionFormat } from './text-format.js';
