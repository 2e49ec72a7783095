#!ipxe
{{- /* Served to machines Corral must not provision: hand control to the next boot device. */}}
echo Corral: {{ .reason }}; trying the next boot device
exit 1
