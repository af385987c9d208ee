/*
 * exporters/elasticsearch/es_factory.h - the registry's entry point for
 * the Elasticsearch log exporter.  Not installed.
 */
#ifndef OTELC_ES_FACTORY_H
#define OTELC_ES_FACTORY_H

#include "otelc/log.h"

/* Reads ELASTICSEARCH_URL and ELASTICSEARCH_INDEX. */
otelc_log_exporter *otelc__es_log_exporter_factory(otelc_status *status);

#endif
