import dataclasses

import pytest

from app.domain.catalogue import (
    SERVICES,
    Service,
    get_service,
    predecessors_of,
    successors_of,
)


@pytest.mark.parametrize(('code', 'name', 'kind'), (
    ('urgent', 'Urgent and emergency services', 'core'),
    ('medical', "Medical care (including older people's care)", 'core'),
    ('care', "Medical care (including older people's care)", 'core'),
    ('surgery', 'Surgery', 'core'),
    ('critical', 'Critical care', 'core'),
    ('maternity', 'Maternity and gynaecology', 'core'),
    ('npimaternity', 'Maternity', 'core'),
    ('childrens', 'Services for children and young people', 'core'),
    ('life', 'End of life care', 'core'),
    ('outpatients', 'Outpatients and diagnostic imaging', 'core'),
    ('npioutpatients', 'Outpatients', 'core'),
    ('diagnostic', 'Diagnostic imaging', 'core'),
    ('accident', 'Urgent care centre', 'extra'),
    ('transport', 'Patient transport services', 'extra'),
    ('maternityinpatient', 'Maternity (inpatient services)', 'extra'),
    ('renal', 'Renal services', 'extra'),
    ('rehabilitation', 'Rehabilitation services', 'extra'),
    # Population groups of a community site (CQC record of Tiverton District Hospital).
    ('old', 'Older people', 'population'),
    ('conditions', 'People with long term conditions', 'population'),
    ('mothers', 'Families, children and young people', 'population'),
    ('population', 'Working age people (including those recently retired and students)',
     'population'),
    ('vulnerable', 'People whose circumstances may make them vulnerable', 'population'),
    ('problems', 'People experiencing poor mental health (including people with dementia)',
     'population'),
))
def test_catalogue_entries(code, name, kind):
    service = get_service(code)
    assert (service.code, service.name, service.kind) == (code, name, kind)


@pytest.mark.parametrize(('code', 'successors'), (
    ('medical', ('care',)),
    ('maternity', ('npimaternity',)),
    ('outpatients', ('npioutpatients', 'diagnostic')),
    ('care', ()),
    ('npioutpatients', ()),
    ('surgery', ()),
))
def test_successors_of(code, successors):
    assert successors_of(code) == successors


@pytest.mark.parametrize(('code', 'predecessors'), (
    ('care', ('medical',)),
    ('npimaternity', ('maternity',)),
    ('npioutpatients', ('outpatients',)),
    ('diagnostic', ('outpatients',)),
    ('outpatients', ()),
    ('urgent', ()),
))
def test_predecessors_of(code, predecessors):
    assert predecessors_of(code) == predecessors


@pytest.mark.parametrize('lookup', (get_service, successors_of, predecessors_of))
def test_unknown_code_is_a_key_error_naming_it(lookup):
    with pytest.raises(KeyError, match='gynaecology'):
        lookup('gynaecology')


def test_catalogue_is_consistent():
    for code, service in SERVICES.items():
        assert service.code == code
        assert service.kind in ('core', 'extra', 'population')
        # Every successor link points at a service the catalogue knows, never at itself.
        assert all(s in SERVICES and s != code for s in service.successors)


def test_service_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_service('surgery').name = 'Theatres'
    assert Service('x', 'X', 'extra').successors == ()
