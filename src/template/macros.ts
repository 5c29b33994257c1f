/**
 * The built-in macro library, importable as `_macros.toml.tera` without the file being
 * present. Names and parameters follow the upstream 8-macro library (conformance copy:
 * templates/_macros.toml.tera); unlike upstream, every macro emits the flat v0.7 schema
 * (`window` → [[expect.window]], `count` → [expect.counts.by_kind.<kind>]).
 * `service` and `scenario` come from the pre-refactor library.
 */
export const BUILTIN_MACROS_NAME = "_macros.toml.tera";

export const BUILTIN_MACROS = `{#- clnrm built-in macro library -#}
{% macro span(name, kind="internal", attrs={}, parent="") -%}
[[expect.span]]
name = {{ name | toml_encode }}
kind = {{ kind | toml_encode }}
{% if parent %}parent = {{ parent | toml_encode }}
{% endif -%}
{% if attrs and attrs | length > 0 -%}
attrs.all = {{ attrs | toml_encode }}
{% endif -%}
{%- endmacro %}

{% macro lifecycle(service) -%}
# Service lifecycle: {{ service }}
{{ span(service ~ ".start") }}
{{ span(service ~ ".exec") }}
{{ span(service ~ ".stop") }}
[expect.order]
must_precede = [[{{ (service ~ ".start") | toml_encode }}, {{ (service ~ ".exec") | toml_encode }}],
{{- " " }}[{{ (service ~ ".exec") | toml_encode }}, {{ (service ~ ".stop") | toml_encode }}]]
{%- endmacro %}

{% macro multi_lifecycle(services) -%}
{% for service in services -%}
# Service lifecycle: {{ service }}
{{ span(service ~ ".start") }}
{{ span(service ~ ".exec") }}
{{ span(service ~ ".stop") }}
{% endfor -%}
[expect.order]
must_precede = [{% for service in services %}[{{ (service ~ ".start") | toml_encode }},
{{- " " }}{{ (service ~ ".exec") | toml_encode }}], [{{ (service ~ ".exec") | toml_encode }},
{{- " " }}{{ (service ~ ".stop") | toml_encode }}]{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{% macro edges(pairs) -%}
{% if pairs and pairs | length > 0 -%}
[expect.graph]
must_include = [{% for pair in pairs %}[{{ pair[0] | toml_encode }}, {{ pair[1] | toml_encode }}]
{%- if not loop.last %}, {% endif %}{% endfor %}]
{% endif -%}
{%- endmacro %}

{% macro window(start, end) -%}
[[expect.window]]
outer = {{ start | toml_encode }}
contains = [{{ end | toml_encode }}]
{%- endmacro %}

{% macro count(kind, min, max=none) -%}
[expect.counts.by_kind.{{ kind }}]
gte = {{ min }}
{% if max != none and max != "" %}lte = {{ max }}
{% endif -%}
{%- endmacro %}

{% macro attrs(pairs) -%}
{{ pairs | toml_encode }}
{%- endmacro %}

{% macro span_with_attrs(name, kind, attr_pairs) -%}
{{ span(name, kind, attr_pairs) }}
{%- endmacro %}

{% macro service(id, image, args=[], env={}, wait_for_span="") -%}
[service.{{ id }}]
plugin = "generic_container"
image = {{ image | toml_encode }}
{% if args and args | length > 0 %}args = {{ args | toml_encode }}
{% endif -%}
{% if env and env | length > 0 %}env = {{ env | toml_encode }}
{% endif -%}
{% if wait_for_span %}wait_for_span = {{ wait_for_span | toml_encode }}
{% endif -%}
{%- endmacro %}

{% macro scenario(name, service, run) -%}
[[scenario]]
name = {{ name | toml_encode }}
service = {{ service | toml_encode }}
run = {{ run | toml_encode }}
{%- endmacro %}
`;
