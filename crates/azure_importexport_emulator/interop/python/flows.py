# Everyday flows of the official Python SDK (azure-mgmt-storageimportexport 1.0.0b2, used
# unchanged) against `azie emulator`: create, get, list, mark shipped, update tags, a refused
# delete, cancel, locations and BitLocker keys. Run by ./run.sh; exits 1 if a flow fails.
# Every value here is made up for this script.
import sys
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.pipeline.policies import HeadersPolicy
from azure.mgmt.storageimportexport import StorageImportExport
from azure.mgmt.storageimportexport.models import (
    PutJobParameters, JobDetails, ReturnAddress, ReturnShipping, DriveStatus, UpdateJobParameters,
    DeliveryPackageInformation, ShippingInformation,
)

base = sys.argv[1]
sub = "00000000-0000-0000-0000-000000000000"
client = StorageImportExport(credential=object(), subscription_id=sub, base_url=base,
                             authentication_policy=HeadersPolicy({"Authorization": "Bearer fake"}))
rg = "py-rg"
addr = ReturnAddress(recipient_name="Ada Tester", street_address1="9 Sample Rd", city="Lakeview",
                     postal_code="11111", country_or_region="USA", phone="5550001111", email="ada@example.org")
props = JobDetails(
    storage_account_id=f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/pyacct",
    job_type="Import", return_address=addr,
    return_shipping=ReturnShipping(carrier_name="FedEx", carrier_account_number="ACCT-PY-1"),
    diagnostics_path="pylogs", log_level="Error", backup_drive_manifest=False,
    drive_list=[DriveStatus(drive_id="PYDRIVE01", bit_locker_key="111111-222222-333333-444444-555555-666666-777777-888888",
                            manifest_file="\\py-manifest.xml", manifest_hash="00112233445566778899AABBCCDDEEFF",
                            drive_header_hash="")],
)
ok = []
def flow(name, f):
    try:
        f(); ok.append(name); print("ok  ", name)
    except Exception as e:
        print("FAIL", name, type(e).__name__, str(e)[:300])

flow("create", lambda: client.jobs.create(job_name="pyjob", resource_group_name=rg,
                                          body=PutJobParameters(location="West US", properties=props)))
flow("get", lambda: client.jobs.get(job_name="pyjob", resource_group_name=rg))
flow("list", lambda: list(client.jobs.list_by_resource_group(resource_group_name=rg)))
def ship():
    job = client.jobs.update(job_name="pyjob", resource_group_name=rg, body=UpdateJobParameters(
        state="Shipping", delivery_package=DeliveryPackageInformation(carrier_name="FedEx", tracking_number="PYTRACK1")))
    assert job.properties.state == "Shipping", job.properties.state
flow("mark shipped", ship)
def tags():
    job = client.jobs.update(job_name="pyjob", resource_group_name=rg, body=UpdateJobParameters(tags={"team": "py"}))
    assert job.tags == {"team": "py"}, job.tags
flow("update tags", tags)
def delete_refused():
    try:
        client.jobs.delete(job_name="pyjob", resource_group_name=rg)
    except HttpResponseError as e:
        assert e.status_code in (400, 409), e.status_code
        return
    raise AssertionError("deleting a Shipping job was not refused")
flow("delete of a Shipping job refused", delete_refused)
def cancel():
    job = client.jobs.update(job_name="pyjob", resource_group_name=rg, body=UpdateJobParameters(cancel_requested=True))
    assert job.properties.cancel_requested is True
flow("cancel", cancel)
flow("locations", lambda: list(client.locations.list()))
flow("bitlocker keys", lambda: list(client.bit_locker_keys.list(job_name="pyjob", resource_group_name=rg)))
print(f"{len(ok)} of 9 flows passed")
sys.exit(0 if len(ok) == 9 else 1)
