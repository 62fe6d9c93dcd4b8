"""The rules ask StaffRoles for a verdict per role and type (`barred`, `refused`), not per record:
it must be the per-person verdict of Duty.allows / Duty.permits, for any staff sheet."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from generator.roles import DUTIES, StaffRoles
from generator.workbook import contract as K

ROLE = st.one_of(st.none(), st.sampled_from(K.ROLES), st.just("外包客服"))
KIND = st.one_of(st.none(), st.sampled_from(K.CALLBACK_TYPES), st.just("其他"))
WHO = st.one_of(st.none(), st.sampled_from([f"H{n:03d}" for n in range(6)]))


@settings(max_examples=200, deadline=None)
@given(staff=st.lists(st.tuples(WHO, ROLE), max_size=8), kind=KIND,
       allowed=st.one_of(st.none(), st.lists(st.sampled_from(K.ROLES), max_size=3)),
       asked=st.lists(WHO, max_size=6))
def test_a_verdict_per_role_is_the_verdict_per_person(staff, kind, allowed, asked):
    roles = StaffRoles([w for w, _ in staff], [r for _, r in staff])
    for duty in DUTIES:
        barred, refused = roles.barred(duty, kind), roles.refused(duty, allowed)
        assert roles.barred(duty, kind) is barred               # worked out once
        for w in asked + [w for w, _ in staff]:
            assert (w in barred) == (roles.known(w) and not duty.allows(roles.role(w), kind))
            assert (w in refused) == (roles.known(w) and not duty.permits(roles.role(w), allowed))
