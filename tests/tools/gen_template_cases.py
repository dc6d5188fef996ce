#!/usr/bin/env python3
"""Generates tests/fixtures/rules/template_cases.json from promtool 2.42 itself.

Each template below goes into one alerting rule's annotation `a`; `promtool test rules` runs
with a deliberately wrong exp_annotations, and the expanded text ("got") is harvested from its
failure report. Parse-error cases go through `promtool check rules` and keep its message.
Nothing in the fixture is written by hand: rerun this script to regenerate it.

  python3 tests/tools/gen_template_cases.py [--promtool promtool] [--check]

--check regenerates into memory and fails (exit 1) unless the checked-in fixture is identical:
ctest runs it, so the fixture stays promtool's own output.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# The data every case sees (the C++ test feeds the same to sonde's executor). promtool returns
# the series of `n` in no fixed order, so cases that depend on order query `sort(n)`.
SERIES = [
    ('m{instance="db-1.example.com:9100",job="node"}', "1234567.891"),
    ('n{instance="b"}', "2"),
    ('n{instance="a"}', "1"),
]
EXTERNAL_LABELS = {"cluster": "eu-1", "env": "prod"}
EXTERNAL_URL = "http://prom.example.com:9090/prom"
# expr variants: the alert's $labels and $value come from these.
EXPRS = {
    "m": ("m * 1", {"instance": "db-1.example.com:9100", "job": "node"}, "1234567.891"),
    "zero": ("vector(0)", {}, "0"),
    "nan": ("vector(NaN)", {}, "NaN"),
    "small": ("vector(0.000123)", {}, "0.000123"),
    "neg": ("vector(-42.5)", {}, "-42.5"),
    "inf": ("vector(+Inf)", {}, "+Inf"),
}

X = [  # (template, expr variant)
    # data and printing
    ("{{ $labels }}", "m"), ("{{ $value }}", "m"), ("{{ $externalLabels }}", "m"),
    ("{{ $externalURL }}", "m"), ("{{ . }}", "m"), ("{{ .Labels }}", "m"), ("{{ .Value }}", "m"),
    ("{{ .ExternalURL }}", "m"), ("{{ .ExternalLabels.cluster }}", "m"),
    ("{{ $labels.instance }}", "m"), ("[{{ $labels.missing }}]", "m"),
    ('{{ index $labels "job" }}', "m"), ('[{{ index $labels "nope" }}]', "m"),
    ("{{ len $labels }}", "m"), ('{{ len "héllo" }}', "m"), ("{{ len $value }}", "m"),
    ("{{ $labels.instance.foo }}", "m"), ("{{ $labels }}", "zero"), ("{{ $value }}", "zero"),
    ("{{ $value }}", "nan"), ("{{ $value }}", "small"), ("{{ $value }}", "neg"),
    ("{{ $value }}", "inf"), ("{{ . }}", "zero"),
    # literals
    ("{{ 1 }}", "m"), ("{{ 1.5 }}", "m"), ("{{ 1e6 }}", "m"), ("{{ 1e21 }}", "m"),
    ("{{ 0.1 }}", "m"), ("{{ 0.000001 }}", "m"), ("{{ 0.0001 }}", "m"), ("{{ 0x1F }}", "m"),
    ("{{ 0o17 }}", "m"), ("{{ 0b101 }}", "m"), ("{{ 1_000 }}", "m"), ("{{ 'a' }}", "m"),
    ("{{ -5 }}", "m"), ("{{ +5 }}", "m"), ("{{ 017 }}", "m"), ("{{ 1.0 }}", "m"),
    ("{{ 123456789.0 }}", "m"), ("{{ 100000.0 }}", "m"), ("{{ 1e-5 }}", "m"), ("{{ 0x1p4 }}", "m"),
    ("{{ true }}", "m"), ('{{ "s\\tq" }}', "m"), ("{{ `raw\\n` }}", "m"), ("{{ nil }}", "m"),
    ("{{ 3.14159265358979 }}", "m"), ("{{ 1e100 }}", "m"), ("{{ -0.0 }}", "m"),
    # control structures
    ("{{ if gt $value 1.0 }}big{{ else }}small{{ end }}", "m"),
    ("{{ if eq $labels.job \"x\" }}x{{ else if eq $labels.job \"node\" }}node{{ else }}other{{ end }}", "m"),
    ("{{ if $labels.missing }}yes{{ else }}no{{ end }}", "m"),
    ("{{ if $value }}t{{ else }}f{{ end }}", "zero"), ("{{ if $value }}t{{ else }}f{{ end }}", "nan"),
    ("{{ with $labels.job }}job={{ . }}{{ end }}", "m"),
    ("{{ with $labels.missing }}has{{ else }}none{{ end }}", "m"),
    ("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", "m"),
    ("{{ range $labels }}{{ . }},{{ end }}", "m"),
    ("{{ range $labels }}x{{ else }}empty{{ end }}", "zero"),
    ("{{ range $k, $v := $externalLabels }}{{ if eq $k \"env\" }}{{ break }}{{ end }}{{ $k }};{{ end }}", "m"),
    ("{{ range $k, $v := $externalLabels }}{{ if eq $k \"cluster\" }}{{ continue }}{{ end }}{{ $k }};{{ end }}", "m"),
    ("{{ range $i, $s := query \"sort(n)\" }}{{ $i }}:{{ $s.Labels.instance }} {{ end }}", "m"),
    ("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "m"),
    ("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}", "m"),
    ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "m"),
    ("{{ $x := $labels.job }}{{ $x }}", "m"),
    ('{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" $value }}', "m"),
    ('{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" }}', "m"),
    ('{{ block "b" $labels.job }}<{{ . }}>{{ end }}', "m"),
    ('{{ template "nope" }}', "m"),
    ('{{ define "r" }}{{ if . }}{{ len . }}{{ end }}{{ end }}{{ template "r" "abc" }}', "m"),
    # trim markers and comments
    ("a  {{- 1 -}}  b", "m"), ("a {{- /* c */ -}} b", "m"), ("{{/* comment */}}x", "m"),
    ('x {{- "y" }} z', "m"), ("a\n  {{- 1 }}\n  b", "m"), ("a {{ 1 -}}\n\n b", "m"),
    ("{{- 1 -}}", "m"), ("{{ -1 }}", "m"),
    # pipelines
    ("{{ $value | humanize }}", "m"), ('{{ "abc" | toUpper | printf "%s!" }}', "m"),
    ('{{ 3 | printf "%d-%d" 4 }}', "m"), ('{{ (printf "%d" 5) }}', "m"),
    ('{{ (index $labels "job") | toUpper }}', "m"), ("{{ $labels.instance | stripPort | title }}", "m"),
    # builtins
    ("{{ and 1 0 }}", "m"), ("{{ and 1 2 }}", "m"), ('{{ or 0 "" }}', "m"), ('{{ or 0 "x" }}', "m"),
    ("{{ not 0 }}", "m"), ('{{ not "a" }}', "m"), ("{{ and }}", "m"),
    ("{{ or 1 (index $labels 5) }}", "m"), ("{{ and 0 (index $labels 5) }}", "m"),
    ('{{ print 1 2 "a" 3 "b" }}', "m"), ('{{ println 1 "a" }}', "m"), ("{{ print nil }}", "m"),
    ('{{ print 1.5 true "x" }}', "m"),
    ('{{ printf "%s|%d|%f|%.2f|%g|%e" "s" 42 1.5 3.14159 0.000012 1234.5678 }}', "m"),
    ('{{ printf "%x|%X|%q|%v|%t" 255 255 "a\\"b" 1.5 true }}', "m"),
    ('{{ printf "%5.1f|%-5d|%05d|%+d|%o|%b" 3.14159 42 42 42 8 5 }}', "m"),
    ('{{ printf "%c|%U|%8.3e|%x|%X" 65 65 123456.789 "hi" "hi" }}', "m"),
    ('{{ printf "%d %% %d" 1 }}', "m"), ('{{ printf "%d" 1 2 }}', "m"), ('{{ printf "%d" "s" }}', "m"),
    ('{{ printf "%s" 5 }}', "m"), ('{{ printf "%v" $labels }}', "m"), ('{{ printf "%v" $value }}', "nan"),
    ('{{ printf "%.3s|%10s|%-10s|" "abcdef" "r" "l" }}', "m"), ('{{ printf "%T %T %T" 1 "a" $value }}', "m"),
    ('{{ printf "%.0f %.1f %.3g %g" 2.5 0.05 1234567.0 1e-7 }}', "m"),
    ('{{ printf "%v %v" 1e20 1e21 }}', "m"), ('{{ printf "%6.2f%%" 12.3456 }}', "m"),
    ('{{ printf "%s" $labels }}', "m"), ('{{ printf "%d" $labels }}', "m"), ('{{ printf "%" }}', "m"),
    ('{{ printf "%5t|%-7v|" true "ab" }}', "m"), ('{{ printf "%+.2e" 12345.678 }}', "m"),
    ('{{ printf "%x" -255 }}', "m"), ('{{ printf "%#x %#o" 255 8 }}', "m"), ('{{ printf "%q" 65 }}', "m"),
    ('{{ printf "%08.3f|% d" -3.14159 5 }}', "m"), ('{{ printf "%v" nil }}', "m"),
    ('{{ printf "%f %e %g" $value $value $value }}', "inf"),
    ("{{ eq 1 1 }}", "m"), ("{{ eq 1 2 3 1 }}", "m"), ('{{ eq "a" "a" }}', "m"), ("{{ eq $value 1 }}", "m"),
    ("{{ eq $value 1234567.891 }}", "m"), ('{{ ne "a" "b" }}', "m"), ('{{ lt "a" "b" }}', "m"),
    ("{{ lt 1 2 }}", "m"), ("{{ le 2 2 }}", "m"), ("{{ gt 3 2 }}", "m"), ("{{ ge 1 2 }}", "m"),
    ("{{ lt true false }}", "m"), ('{{ eq $labels.job "node" }}', "m"), ("{{ lt 1 1.5 }}", "m"),
    ("{{ eq }}", "m"), ("{{ eq 1 }}", "m"), ("{{ ne 1 }}", "m"), ("{{ eq $labels $labels }}", "m"),
    ("{{ html \"<a href='x'>&\\\"\" }}", "m"), ("{{ js \"a'b\\\"c<d>&=\\\\\" }}", "m"),
    ('{{ js "é\\t" }}', "m"), ('{{ urlquery "a b&c=d/é" }}', "m"), ("{{ html 1 2 }}", "m"),
    ('{{ urlquery "x" 1 }}', "m"),
    ('{{ slice "abcdef" 1 3 }}', "m"), ('{{ slice "abc" 1 }}', "m"), ('{{ slice "abc" 2 1 }}', "m"),
    ('{{ slice "abc" 0 5 }}', "m"), ('{{ index "abc" 1 }}', "m"), ('{{ index "abc" 3 }}', "m"),
    ("{{ index 1 1 }}", "m"), ("{{ call 1 }}", "m"), ("{{ index $labels 1 }}", "m"),
    ('{{ slice "abc" }}', "m"), ('{{ slice 1 }}', "m"),
    # Prometheus functions: humanize family
    ("{{ humanize 0 }}", "m"), ("{{ humanize 1 }}", "m"), ("{{ humanize 999 }}", "m"),
    ("{{ humanize 1000 }}", "m"), ("{{ humanize 1234567 }}", "m"), ("{{ humanize -1234567 }}", "m"),
    ("{{ humanize 0.001 }}", "m"), ("{{ humanize 0.000123 }}", "m"), ("{{ humanize 1e-30 }}", "m"),
    ("{{ humanize 1e30 }}", "m"), ("{{ humanize 1e40 }}", "m"), ('{{ humanize "NaN" }}', "m"),
    ('{{ humanize "+Inf" }}', "m"), ('{{ humanize "-Inf" }}', "m"), ('{{ humanize "1234" }}', "m"),
    ('{{ humanize "abc" }}', "m"), ("{{ humanize $value }}", "m"), ("{{ humanize true }}", "m"),
    ("{{ humanize $value }}", "small"), ("{{ humanize $value }}", "neg"), ("{{ humanize $value }}", "nan"),
    ("{{ humanize 999.95 }}", "m"), ("{{ humanize 1e-3 }}", "m"), ("{{ humanize -0.5 }}", "m"),
    ("{{ humanize1024 0 }}", "m"), ("{{ humanize1024 1 }}", "m"), ("{{ humanize1024 1023 }}", "m"),
    ("{{ humanize1024 1024 }}", "m"), ("{{ humanize1024 1048576 }}", "m"), ("{{ humanize1024 -2048 }}", "m"),
    ("{{ humanize1024 0.5 }}", "m"), ("{{ humanize1024 1e30 }}", "m"), ('{{ humanize1024 "NaN" }}', "m"),
    ('{{ humanize1024 "Inf" }}', "m"), ("{{ humanize1024 123456789 }}", "m"),
    ("{{ humanizeDuration 0 }}", "m"), ("{{ humanizeDuration 1 }}", "m"), ("{{ humanizeDuration 59.99 }}", "m"),
    ("{{ humanizeDuration 60 }}", "m"), ("{{ humanizeDuration 61 }}", "m"), ("{{ humanizeDuration 3600 }}", "m"),
    ("{{ humanizeDuration 3661 }}", "m"), ("{{ humanizeDuration 86400 }}", "m"),
    ("{{ humanizeDuration 90061 }}", "m"), ("{{ humanizeDuration 1e9 }}", "m"),
    ("{{ humanizeDuration -90061 }}", "m"), ("{{ humanizeDuration 0.5 }}", "m"),
    ("{{ humanizeDuration 0.001 }}", "m"), ("{{ humanizeDuration 1e-7 }}", "m"),
    ("{{ humanizeDuration -0.5 }}", "m"), ('{{ humanizeDuration "NaN" }}', "m"),
    ('{{ humanizeDuration "+Inf" }}', "m"), ("{{ humanizeDuration 1.5 }}", "m"),
    ("{{ humanizeDuration $value }}", "m"), ("{{ humanizeDuration $value }}", "small"),
    ("{{ humanizePercentage 0 }}", "m"), ("{{ humanizePercentage 0.5 }}", "m"),
    ("{{ humanizePercentage 0.123456 }}", "m"), ("{{ humanizePercentage 1 }}", "m"),
    ("{{ humanizePercentage -0.01 }}", "m"), ('{{ humanizePercentage "NaN" }}', "m"),
    ("{{ humanizeTimestamp 0 }}", "m"), ("{{ humanizeTimestamp 1 }}", "m"),
    ("{{ humanizeTimestamp 1.5 }}", "m"), ("{{ humanizeTimestamp 1234567890.123456 }}", "m"),
    ("{{ humanizeTimestamp -1 }}", "m"), ('{{ humanizeTimestamp "NaN" }}', "m"),
    ('{{ humanizeTimestamp "+Inf" }}', "m"), ("{{ humanizeTimestamp 1e10 }}", "m"),
    ("{{ humanizeTimestamp 1e20 }}", "m"), ("{{ humanizeTimestamp $value }}", "m"),
    ("{{ toTime 0 }}", "m"), ("{{ (toTime 1.5).Unix }}", "m"), ('{{ toTime "NaN" }}', "m"),
    ("{{ toTime 1700000000 }}", "m"), ("{{ (toTime 1700000000.25).UnixMilli }}", "m"),
    ('{{ parseDuration "1h" }}', "m"), ('{{ parseDuration "1h30m" }}', "m"), ('{{ parseDuration "1d" }}', "m"),
    ('{{ parseDuration "1w" }}', "m"), ('{{ parseDuration "1y" }}', "m"), ('{{ parseDuration "500ms" }}', "m"),
    ('{{ parseDuration "0" }}', "m"), ('{{ parseDuration "" }}', "m"), ('{{ parseDuration "1x" }}', "m"),
    ('{{ parseDuration "1.5h" }}', "m"), ('{{ parseDuration "30m1h" }}', "m"),
    ('{{ parseDuration "1h" | humanizeDuration }}', "m"),
    # strings and regexes
    ('{{ title "hello world foo_bar-baz" }}', "m"), ('{{ toUpper "abc é" }}', "m"),
    ('{{ toLower "ABC É" }}', "m"), ('{{ match "^db" $labels.instance }}', "m"),
    ('{{ match "example" $labels.instance }}', "m"), ('{{ match "(" "x" }}', "m"),
    ('{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}', "m"),
    ('{{ reReplaceAll "o" "0" "foo boo" }}', "m"), ('{{ reReplaceAll "a*" "-" "baaac" }}', "m"),
    ('{{ reReplaceAll "(?P<h>[^.]+)\\\\..*" "${h}!" $labels.instance }}', "m"),
    ('{{ reReplaceAll "x" "$$" "axb" }}', "m"), ('{{ reReplaceAll "(" "" "" }}', "m"),
    ('{{ reReplaceAll "(a)(b)?" "[$2|$1x|${1}x]" "ac" }}', "m"),
    ('{{ safeHtml "<b>" }}', "m"), ('{{ "x" | safeHtml | toUpper }}', "m"),
    ('{{ graphLink "rate(x[5m]) > 1" }}', "m"), ('{{ tableLink "up{job=\\"a b\\"}" }}', "m"),
    ('{{ stripPort "host:9100" }}', "m"), ('{{ stripPort "host" }}', "m"),
    ('{{ stripPort "[::1]:80" }}', "m"), ('{{ stripPort "::1" }}', "m"), ('{{ stripPort "a:b:c" }}', "m"),
    ("{{ stripDomain $labels.instance }}", "m"), ('{{ stripDomain "db-1.example.com" }}', "m"),
    ('{{ stripDomain "10.0.0.1:80" }}', "m"), ('{{ stripDomain "[::1]:80" }}', "m"),
    ('{{ stripDomain "localhost" }}', "m"),
    ('{{ $a := args 1 "x" 2.5 }}{{ $a.arg0 }} {{ $a.arg1 }} {{ $a.arg2 }} {{ $a }}', "m"),
    ("{{ (args).x }}", "m"), ('{{ $a := args 1 }}{{ $a.arg5 }}', "m"),
    # queries
    ('{{ (query "m" | first).Value }}', "m"), ('{{ query "m" | first | value }}', "m"),
    ('{{ query "m" | first | label "job" }}', "m"),
    ('{{ with query "nothing" }}x{{ else }}none{{ end }}', "m"),
    ('{{ range query "sort(n)" }}{{ .Labels.instance }}={{ .Value }},{{ end }}', "m"),
    ('{{ range sortByLabel "instance" (query "n") }}{{ .Labels.instance }}{{ end }}', "m"),
    ('{{ first (query "nothing") }}', "m"), ('{{ len (query "n") }}', "m"),
    ('{{ (query "sort(n)" | first).Labels }}', "m"), ('[{{ strvalue (query "m" | first) }}]', "m"),
    ('{{ query "m" | first }}', "m"), ('{{ range query "sum(n)" }}{{ . }}{{ end }}', "m"),
    ("{{ pathPrefix }}", "m"), ("{{ externalURL }}", "m"),
    # execution errors
    ("{{ .Foo }}", "m"), ("{{ toUpper 1 }}", "m"), ("{{ printf 1 }}", "m"), ("{{ 1 2 }}", "m"),
    ("{{ $labels.job 1 }}", "m"), ("{{ range $value }}{{ end }}", "m"), ('{{ range "abc" }}{{ end }}', "m"),
    ('{{ label "x" 1 }}', "m"), ("{{ value nil }}", "m"), ("{{ humanize }}", "m"),
    ("{{ humanize 1 2 }}", "m"), ("{{ $value.Foo }}", "m"), ("{{ (1).x }}", "m"),
    ("line1\n{{ .Nope }}", "m"),
]

P = [  # parse errors
    "{{ $labels.instance }", "{{ if }}", "{{ end }}", "{{ if true }}x", "{{ else }}",
    "{{ range $i, $v, $w := . }}{{ end }}", "{{ $x }}", "{{ foo }}", '{{ "unterminated }}',
    "{{ 'ab' }}", "{{ 1a }}", "{{ 1 | 2 }}", "{{ /* c */ }}", "{{/* unclosed", "{{/* c */ x}}",
    "{{ ( }}", "{{ ) }}", "{{ break }}", "{{ continue }}", '{{ define "x" }}', "{{ template x }}",
    "{{ with }}", "{{ $x := }}", "{{ | }}", "{{ 99999999999999999999 }}", "{{ 1.2.3 }}",
    "{{ :x }}", "line1\n{{ if }}", "{{ if true\n}}x{{ end", '{{ "a" | }}', "{{ €x }}", "{{ x# }}",
    "{{ $x := 1 }}{{ $x :== 2 }}", "{{ range }}{{ end }}", "{{ if 1 }}{{ else if }}{{ end }}",
    "{{ with 1 }}{{ else if 2 }}{{ end }}", "{{ .a.b. }}", '{{ "\\z" }}', "{{ 'a }}",
    "{{ nil.x }}", "{{ 1 }}{{ end }}{{ if", "{{ if 1 }}{{ range 2 }}{{ end }}",
    "{{ $x.y := 1 }}", "{{ range $x := . }}{{ break 1 }}{{ end }}", "{{ define 1 }}{{ end }}",
    '{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}', "a\nb\n{{ x }}", "{{ 0x }}",
    "{{ . | 1 }}", "{{ printf (1 }}",
]


X += [  # more: printing, builtins and numbers
    ("{{ $labels | len }}", "m"), ('{{ index $externalLabels "env" }}', "m"),
    ('{{ range $k, $v := args "a" 2 }}{{ $k }}={{ $v }};{{ end }}', "m"),
    ("{{ with $x := $labels.job }}{{ $x }}{{ end }}", "m"), ('{{ title "élan vital" }}', "m"),
    ('{{ toUpper "straße ǆ" }}', "m"), ('{{ printf "%5.2s|%-8.3f|%+v" "abc" 3.14159 1 }}', "m"),
    ('{{ printf "%e|%g|%g|%.2g|%G|%E" 0.0 100000.0 1000000.0 0.000123 1e-10 12345.0 }}', "m"),
    ('{{ printf "%x" 3.5 }}', "m"), ('{{ printf "%s|%d|%t" nil true 1 }}', "m"),
    ('{{ printf "%v" (args 1) }}', "m"), ('{{ printf "%q" "é\\x01" }}', "m"),
    ('{{ print "a" "b" }}', "m"), ('{{ print 1 "" 2 }}', "m"), ("[{{ println }}]", "m"),
    ("{{ len (args 1 2) }}", "m"), ('{{ index (args 1 2) "arg1" }}', "m"),
    ('{{ len (slice (query "n") 1) }}', "m"), ('{{ range $i, $c := "ab" }}{{ end }}', "m"),
    ("{{ not }}", "m"), ("[{{ html }}]", "m"), ("{{ eq 1 1.0 }}", "m"), ('{{ eq "a" 1 }}', "m"),
    ("{{ eq nil nil }}", "m"), ("{{ and 1 nil }}", "m"),
    ("{{ if and $labels.job $value }}y{{ end }}", "m"), ('{{ $labels.job | printf "%q" }}', "m"),
    ("{{ $ }}", "zero"), ("{{ $.Labels.job }}", "m"), ("{{ with $labels }}{{ .job }}{{ end }}", "m"),
    ("{{ range $labels }}{{ $.Value }};{{ end }}", "m"),
    ('{{ define "t" }}{{ .Labels.job }}{{ end }}{{ template "t" . }}', "m"),
    ('{{ block "b" . }}{{ .Value }}{{ end }}', "m"), ("a {{- /* x */}} b", "m"),
    ("a {{/* x */ -}} b", "m"), ("{{-1}}", "m"), ("{{- -1 -}}", "m"), ("{{ 0x1.8p1 }}", "m"),
    ("{{ 1i }}", "m"), ("{{ .5 }}", "m"), ("{{ 5. }}", "m"), ('{{ humanize "1e3" }}', "m"),
    ('{{ humanize "0x10" }}', "m"), ('{{ humanize "1_000" }}', "m"), ('{{ humanize " 1" }}', "m"),
    ("{{ humanizeDuration 1e20 }}", "m"), ("{{ humanizeDuration 59.9999 }}", "m"),
    ('{{ humanizePercentage "0.5" }}', "m"), ('{{ humanizeTimestamp "1700000000" }}', "m"),
    ("{{ toTime 1e10 }}", "m"), ("{{ (toTime 0).Year }}", "m"), ('{{ (toTime 0).Format "2006" }}', "m"),
    ('{{ parseDuration "1h1h" }}', "m"), ('{{ parseDuration "1m1ms" }}', "m"),
    ('{{ parseDuration "10000000000000y" }}', "m"), ('{{ reReplaceAll "^" "x" "ab" }}', "m"),
    ('{{ reReplaceAll "" "-" "abc" }}', "m"), ('{{ reReplaceAll "b*" "-" "abc" }}', "m"),
    ('{{ reReplaceAll "é" "e" "café" }}', "m"), ('{{ reReplaceAll "\\\\d+" "<$0>" "a12b3" }}', "m"),
    ('{{ reReplaceAll "(\\\\w+)@(\\\\w+)" "$2 at $1" "me@host" }}', "m"),
    ('{{ reReplaceAll "(?P<user>\\\\w+)@" "$user." "me@host" }}', "m"), ('{{ match "[" "x" }}', "m"),
    ('{{ match "a{2,1}" "x" }}', "m"), ('{{ match "(?<n>a)" "a" }}', "m"),
    ('{{ match "\\\\p{Greek}" "α" }}', "m"), ('{{ match "a**" "a" }}', "m"), ('{{ match "\\\\8" "a" }}', "m"),
    ('{{ stripPort "[::1]" }}', "m"), ('[{{ stripPort ":80" }}]', "m"), ('{{ stripDomain "foo.bar:80" }}', "m"),
    ('{{ stripDomain "[fe80::1%eth0]:80" }}', "m"), ('{{ stripDomain "a.b.c" }}', "m"),
    ("{{ title \"1st place o'neil\" }}", "m"), ('{{ js "\\u2028" }}', "m"), ('{{ urlquery "~*" }}', "m"),
    ('{{ safeHtml "<b>" | html }}', "m"), ('{{ "<b>" | html }}', "m"), ('{{ len (safeHtml "abc") }}', "m"),
    ('{{ eq (safeHtml "a") "a" }}', "m"), ("{{ $x = 1 }}", "m"), ('{{ (1) (2) }}', "m"),
    ('{{ `a` `b` }}', "m"), ("{{ 'é' }}", "m"), ('{{ humanize1024 -0.5 }}', "m"),
    ('{{ humanizeTimestamp -1.5 }}', "m"), ('{{ printf "%.1f %.1f %.1f" 0.25 0.35 2.5 }}', "m"),
    ('{{ printf "%.15g %.17g" 0.1 0.1 }}', "m"), ('{{ printf "%v" 5e-324 }}', "m"),
    ('{{ printf "%v %v" 1.7976931348623157e308 123456789012345678.0 }}', "m"),
]
X += [  # time formatting and odd ranges
    ('{{ (toTime 1234567890.5).Format "2006-01-02T15:04:05.000Z07:00" }}', "m"),
    ('{{ (toTime 1234567890.5).Format "Mon Jan _2 15:04:05 MST 2006" }}', "m"),
    ('{{ (toTime 1234567890.5).Format "3:04PM Monday January 2, 06 .999 -0700" }}', "m"),
    ('{{ (toTime 1700000000).Format "02/01 pm 03 4 5 ,00" }}', "m"),
    ('{{ toTime 1700000000 | printf "%v" }}', "m"), ('{{ (toTime 0).Format }}', "m"),
    ('{{ range (query "m" | first) }}{{ end }}', "m"), ("{{ range 5 }}{{ end }}", "m"),
    ('{{ range $i, $v := args "x" "y" }}{{ $i }}{{ $v }}{{ end }}', "m"),
    ('{{ "x%dy" | printf }}', "m"), ("{{ 1 | printf }}", "m"), ('{{ 2 | printf "%d%d" 1 }}', "m"),
    ('{{ "a" | index $labels }}', "m"), ("{{ 5 | eq 5 }}", "m"), ('{{ "n" | query | len }}', "m"),
]


P += [
    '{{ template "a" 1 2 }}', '{{ block "x" }}{{ end }}', "{{ if 1 }}{{ else }}{{ else }}{{ end }}",
    "{{ 1 }", "{{ $x := 1 }}{{ $y }}", "{{ range $i := . }}{{ end }}{{ $i }}",
    "{{ with $x := 1 }}{{ end }}{{ $x }}", '{{ "a"."b" }}', "{{ '\\x' }}", '{{ "\\x4" }}',
    "{{ if }}x{{ end }}", "{{ ( | ) }}", "{{ printf | nil }}", "{{ .x.1 }}", "{{ $1 }}",
    '{{ range . }}{{ define "x" }}{{ end }}{{ end }}', '{{ define "x" }}{{ break }}{{ end }}',
    "{{ 1e }}", "{{ else if 1 }}", "{{ range $i, $v := 1 }}{{ break }}{{ end }}{{ else }}",
    "{{ .a .b .c", "{{ `unterminated }}", "{{ -}}", "{{ $ := 1 }}", "{{ 1 := 2 }}",
]

P += [  # errors inside multi-line actions
    "{{ if true\n\n", "{{ (1\n\n", '{{ "abc\n }}', "a\n{{ $labels.x\n\n.y }", "{{ 1\n}}\n{{ 2\n\n",
    "{{/* a\nb */ x }}", "{{ `a\nb` | foo }}", "{{ if 1 }}\n\n{{ end }}{{ end }}",
]


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)


def go_unquote(s):
    """The Go-quoted string at the start of s (after the opening quote); returns (text, rest)."""
    out = bytearray()
    i = 0
    while True:
        c = s[i]
        if c == '"':
            return out.decode("utf-8", "surrogateescape"), s[i + 1:]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        e = s[i + 1]
        simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif e == "u":
            out += chr(int(s[i + 2:i + 6], 16)).encode()
            i += 6
        elif e == "U":
            out += chr(int(s[i + 2:i + 10], 16)).encode()
            i += 10
        else:
            out.append(int(s[i + 1:i + 4], 8))
            i += 4


def corpus_templates(directory):
    import yaml  # python3-yaml
    seen = set()
    out = []
    for root, _, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if not name.endswith((".yml", ".yaml")):
                continue
            with open(os.path.join(root, name)) as f:
                doc = yaml.safe_load(f) or {}
            for g in doc.get("groups") or []:
                for r in g.get("rules") or []:
                    for k in ("labels", "annotations"):
                        for v in (r.get(k) or {}).values():
                            if str(v) not in seen:
                                seen.add(str(v))
                                out.append(str(v))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--promtool", default="promtool")
    ap.add_argument("--check", action="store_true",
                    help="compare with the checked-in fixture instead of writing it")
    ap.add_argument("--out", default=None)
    ap.add_argument("--corpus", default=None,
                    help="a directory of rule files: their labels' and annotations' templates "
                         "replace the built-in list (fixture template_corpus_cases.json)")
    args = ap.parse_args()
    global X, P
    if args.corpus:
        X = [(t, "m") for t in corpus_templates(args.corpus)]
        P = []
    if args.out is None:
        args.out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "rules",
                                "template_corpus_cases.json" if args.corpus
                                else "template_cases.json")
    try:
        version = subprocess.run([args.promtool, "--version"], capture_output=True,
                                 text=True).stdout
    except FileNotFoundError:
        sys.exit("promtool not found (apt-get install prometheus): it is the reference")
    with tempfile.TemporaryDirectory() as d:
        rules = [{"alert": "T%d" % i, "expr": EXPRS[e][0], "annotations": {"a": t}}
                 for i, (t, e) in enumerate(X)]
        write(os.path.join(d, "rules.yml"), {"groups": [{"name": "g", "rules": rules}]})
        tests = [{"eval_time": "0m", "alertname": "T%d" % i,
                  "exp_alerts": [{"exp_labels": {}, "exp_annotations": {"a": "\x01WRONG"}}]}
                 for i in range(len(X))]
        write(os.path.join(d, "test.yml"), {
            "rule_files": ["rules.yml"], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "external_labels": EXTERNAL_LABELS,
                       "external_url": EXTERNAL_URL,
                       "input_series": [{"series": s, "values": v} for s, v in SERIES],
                       "alert_rule_test": tests}]})
        r = subprocess.run([args.promtool, "test", "rules", "test.yml"], cwd=d,
                           capture_output=True, text=True)
        report = r.stdout + r.stderr
        got = {}
        for m in re.finditer(r"alertname: (T\d+), time: 0s, \n\s*exp:.*?got:\[\n\s*0:\n\s*Labels:.*?\n"
                             r"\s*Annotations:\{a=\"", report, re.S):
            text, _ = go_unquote(report[m.end():])
            got[m.group(1)] = text
        cases = []
        for i, (t, e) in enumerate(X):
            name = "T%d" % i
            if name not in got:
                sys.exit("promtool reported nothing for %s (%r):\n%s" % (name, t, report[:3000]))
            cases.append({"template": t, "labels": EXPRS[e][1], "value": EXPRS[e][2],
                          "expanded": got[name]})

        prules = [{"alert": "P%d" % i, "expr": "m", "annotations": {"a": t}} for i, t in enumerate(P)]
        write(os.path.join(d, "bad.yml"), {"groups": [{"name": "g", "rules": prules}]})
        r = subprocess.run([args.promtool, "check", "rules", "bad.yml"], cwd=d,
                           capture_output=True, text=True)
        report = r.stdout + r.stderr
        msgs = {}
        for m in re.finditer(r'^bad\.yml: group "g", rule \d+, "(P\d+)": annotation "a": (.*)$',
                             report, re.M):
            msgs[m.group(1)] = m.group(2)
        perrs = []
        for i, t in enumerate(P):
            name = "P%d" % i
            perrs.append({"alert": name, "template": t, "error": msgs.get(name)})
    out = {
        "generator": "tests/tools/gen_template_cases.py",
        "promtool": version.splitlines()[0] if version else "",
        "series": [{"series": s, "value": v} for s, v in SERIES],
        "external_labels": EXTERNAL_LABELS,
        "external_url": EXTERNAL_URL,
        "cases": cases,
        "parse_errors": perrs,
    }
    text = json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        with open(args.out) as f:
            old = f.read()
        if old != text:
            sys.exit("%s differs from what %s produces now: rerun %s" %
                     (args.out, args.promtool, os.path.basename(__file__)))
        print("%d expansion cases, %d parse-error cases: fixture matches promtool" %
              (len(cases), len(perrs)))
        return
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print("%d expansion cases, %d parse-error cases -> %s" % (len(cases), len(perrs), args.out))


if __name__ == "__main__":
    main()
