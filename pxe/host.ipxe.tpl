#!ipxe
{{- /* Corral's default per-host iPXE script. Data: .host .interface .boot .os .env plus
       .kernel (rendered URL), .initrds (rendered URLs) and .cmdline (rendered words). */}}
echo Corral: {{ .host.name }} boot {{ .boot.id }} ({{ .os.name }}) mac ${netX/mac} ip ${netX/ip} platform ${platform}
kernel {{ .kernel }}{{ range .cmdline }} {{ . }}{{ end }}
{{- range .initrds }}
initrd {{ . }}
{{- end }}
echo Corral: kernel and initrd fetched, booting
boot
