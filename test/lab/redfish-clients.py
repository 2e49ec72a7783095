"""Drives the lab Redfish BMC with the sushy library (OpenStack's Redfish client, as Ironic uses it)
for test/lab/redfish-bmc.test.ts, and prints what sushy observed as one JSON object.

Usage: python3 redfish-clients.py sushy BASE_URL USERNAME   (password in env RF_PASSWORD)
"""
import gc
import json
import os
import sys
import warnings


def run_sushy(base_url, username, password):
    import sushy

    # The BMC's certificate is self-signed; the lab accepts it explicitly.
    warnings.filterwarnings("ignore")
    root = sushy.Sushy(base_url, username=username, password=password, verify=False)
    system = root.get_system()
    seen = {
        "redfishVersion": root.redfish_version,
        "systemId": system.identity,
        "uuid": system.uuid,
        "powerBefore": str(system.power_state.value),
        "allowedResets": sorted(v.value for v in system.get_allowed_reset_system_values()),
        "allowedTargets": sorted(v.value for v in system.get_allowed_system_boot_source_values()),
        "mode": system.boot.mode.value if system.boot.mode else None,
    }
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
    system.refresh()
    seen["bootAfterPatch"] = [system.boot.enabled.value, system.boot.target.value]
    system.reset_system(sushy.RESET_ON)
    system.refresh()
    seen["powerAfter"] = str(system.power_state.value)
    seen["bootAfterPowerOn"] = [system.boot.enabled.value, system.boot.target.value]
    seen["managers"] = [m.identity for m in system.managers]
    seen["chassis"] = [c.identity for c in system.chassis]
    seen["macs"] = sorted(system.ethernet_interfaces.summary.keys())
    # sushy logs out when the Sushy object is finalised; do it now, while the interpreter is whole.
    del system, root
    gc.collect()
    return seen


def main(argv):
    if len(argv) != 4 or argv[1] != "sushy":
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(run_sushy(argv[2], argv[3], os.environ["RF_PASSWORD"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
