{#- Display labels for columns (code empty) and for coded levels of a column (var codebook_path). -#}

with source as (

    select * from {{ source('inputs', 'codebook') }}

),

renamed as (

    select
        {{ normalized_text('"column"') }} as column_name,
        {{ normalized_text('code') }} as code,
        {{ normalized_text('label') }} as label
    from source

)

select * from renamed
where column_name is not null and label is not null
