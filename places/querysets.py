from django.db import models
from django.db.models import Exists, OuterRef


class CountyQuerySet(models.QuerySet):
    def assisted(self):
        """Counties that receive help: not the supporting cities (a county whose
        schools are all supporting ones, such as 溧阳市). A county with no school
        yet is kept: it is being set up."""
        school = self.model._meta.get_field("schools").related_model
        schools = school.objects.filter(county=OuterRef("pk"))
        return self.filter(Exists(schools.filter(kind="assisted")) | ~Exists(schools))
