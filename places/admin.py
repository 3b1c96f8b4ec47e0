from django.contrib import admin

from .models import County, School


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("name", "province", "code")
    list_filter = ("province",)
    search_fields = ("name", "province", "code")
    filter_horizontal = ("neighbours",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "kind")
    list_filter = ("kind", "county")
    search_fields = ("name", "county__name")
    list_select_related = ("county",)
