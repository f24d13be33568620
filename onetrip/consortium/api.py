from ninja import Router, Schema

from onetrip.consortium.models import Department, Doctor, Institution
from onetrip.core.bounds import Id

router = Router(tags=["consortium"])


class InstitutionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    level: str
    parent_id: int | None


class DepartmentOut(Schema):
    id: int
    institution_id: int
    code: str
    name: str


class DoctorOut(Schema):
    id: int
    name: str
    title: str
    department_id: int
    speciality: str


# The consortium's structure is public: patients choose where to go from it.
@router.get("/institutions", response=list[InstitutionOut])
def list_institutions(request):
    return Institution.objects.order_by("code")


@router.get("/institutions/{institution_id}/departments", response=list[DepartmentOut])
def list_departments(request, institution_id: Id):
    return Department.objects.filter(institution_id=institution_id).order_by("code")


@router.get("/departments/{department_id}/doctors", response=list[DoctorOut])
def list_doctors(request, department_id: Id):
    return Doctor.objects.filter(department_id=department_id).order_by("name")
