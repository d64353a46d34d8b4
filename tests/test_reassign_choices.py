"""Who an open task may be given to, and what the admin's reassign forms cost (issue 12).

The run page as admin offers every active staff member in each open task's form: they are read
once per request as plain rows, holders of the task's role first, guests and inactive users left
out; the options are written as WTForms writes them.
"""
from __future__ import annotations

import pytest
from wtforms.fields.choices import Choice
from wtforms.widgets import Select

from portal.core_forms import PlaceholderSelect, ReassignForm
from portal.extensions import db
from portal.models import Task
from portal.models.org import grants_include
from portal.reassign import may_receive, reassign_choices
from tests.helpers import advance, open_tasks, start_pk
from tests.test_request_cost import statements


def test_grants_hold_in_their_unit_and_unitless_grants_everywhere():
    grants = [("bidang", 5), ("staf", None)]
    assert grants_include(grants, "bidang", 5) and grants_include(grants, "bidang")
    assert not grants_include(grants, "bidang", 6)
    assert grants_include(grants, "staf", 6) and not grants_include(grants, "kepala_dinas")


def test_role_holders_of_the_unit_first_guests_and_inactive_users_left_out(app, demo):
    unit = demo["bidang1"].unit_id
    demo["bidang2"].active = False
    db.session.commit()
    with app.test_request_context():
        fitting, others = reassign_choices(Task(role_key="bidang", unit_id=unit))
    fitting_ids, other_ids = [p.id for p in fitting], [p.id for p in others]
    assert fitting_ids == [demo["bidang1"].id]  # bidang3 holds "bidang" in another unit
    assert demo["bidang3"].id in other_ids and demo["admin"].id in other_ids
    everyone = fitting_ids + other_ids
    assert demo["biro"].id not in everyone and demo["bappeda"].id not in everyone  # outside guests
    assert demo["bidang2"].id not in everyone  # inactive
    assert [p.label for p in others] == sorted(p.label for p in others)
    assert others[0].label.startswith(f"{db.session.get(type(demo['admin']), other_ids[0]).nama} — ")


def test_a_task_cannot_be_given_to_an_inactive_user(app, demo, client, auth):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    demo["sekretaris"].active = False
    db.session.commit()
    with app.test_request_context():
        assert not may_receive(demo["sekretaris"].id) and may_receive(demo["kadis"].id)
    auth.login("admin")
    response = client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["sekretaris"].id, "alasan": "cuti"},
                           follow_redirects=True)
    assert "bukan tamu dari pihak luar" in response.get_data(as_text=True)
    db.session.expire_all()
    assert open_tasks(run.id)[0].assignee_id is None


def test_the_admin_run_page_reads_the_staff_once_for_every_open_task(app, demo, client, auth):
    run = start_pk(app, demo, units=[demo["bidang1"].unit_id, demo["bidang2"].unit_id])
    advance(app, run, until_step=7)
    tasks = open_tasks(run.id)
    assert len(tasks) == 2
    heads = {demo[k].unit_id: f'value="{demo[k].id}">{demo[k].nama} — {demo[k].jabatan}</option>' for k in ("bidang1", "bidang2")}
    expected = {task.id: heads[task.unit_id] for task in tasks}
    auth.login("admin")
    client.get(f"/pelaksanaan/{run.id}")
    with statements() as seen:
        page = client.get(f"/pelaksanaan/{run.id}").get_data(as_text=True)
    assert not {s for s in seen if seen.count(s) > 1}
    for task_id, head_option in expected.items():
        select = page.split(f'id="u-{task_id}"')[1].split("</select>")[0]
        assert head_option in select.split("Memegang peran langkah ini")[1].split("</optgroup>")[0]


@pytest.mark.parametrize("choice", [
    Choice(3, 'Nama <b> & "kutip"', True, {}), Choice(4, "Nama — Jabatan", False, {}), Choice("x", None, False, {}),
    Choice(True, "ya", False, {}), Choice(6, "k", False, {"disabled": True}),
])
def test_options_are_written_as_wtforms_writes_them(choice):
    assert str(PlaceholderSelect.render_option(choice)) == str(Select.render_option(choice))


def test_the_select_starts_with_nothing_chosen_then_the_groups(app):
    with app.test_request_context():
        form = ReassignForm(formdata=None, meta={"csrf": False})
        form.user_id.choices = {"Memegang peran langkah ini": [(1, "A")], "Pengguna lain": [(2, "B <i>")]}
        html = str(form.user_id())
    assert html.index('<option value="" selected>- pilih -</option>') < html.index('<optgroup label="Memegang')
    assert '<option value="2">B &lt;i&gt;</option></optgroup></select>' in html


def test_the_confirmation_ends_a_name_with_a_degree_in_one_dot(app, demo, client, auth):
    run = start_pk(app, demo)
    [task] = open_tasks(run.id)
    name = demo["bidang1"].nama
    assert name.endswith("M.T.")
    auth.login("admin")
    page = client.post(f"/tugas/{task.id}/alihkan", data={"user_id": demo["bidang1"].id, "alasan": "dinas luar"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"Tugas dialihkan ke {name}<" in page or f"Tugas dialihkan ke {name}\n" in page, page.split("dialihkan")[1][:80]
