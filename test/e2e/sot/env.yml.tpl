id: lab
name: E2E lab
mode: auto
subnets:
  - id: lab
    cidr: 10.77.0.0/24
    dns: [10.77.0.1]
    lease_time: 1h
agents:
  - name: corral
    asset_server: {addr: 10.77.0.1, port: 8080, scheme: http}
    dhcp_mode: __MODE__
