{#- The settings of this run (source inputs.settings): the one table the configuration flows from. -#}

with source as (

    select * from {{ source('inputs', 'settings') }}

),

renamed as (

    select
        setting_name,
        setting_value,
        setting_origin
    from source

)

select * from renamed
